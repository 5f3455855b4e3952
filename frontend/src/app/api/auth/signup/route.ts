import type { NextRequest } from 'next/server';

import { exchangeCredentials } from '@/lib/server/auth-exchange';

export const dynamic = 'force-dynamic';

export function POST(request: NextRequest): Promise<Response> {
  return exchangeCredentials(request, '/api/auth/signup');
}
