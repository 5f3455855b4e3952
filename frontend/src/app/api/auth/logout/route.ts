import { NextResponse, type NextRequest } from 'next/server';

import { clearSessionCookie } from '@/lib/server/session-cookie';

// JWTs are stateless, so logging out means forgetting the cookie; the backend has nothing to do.
export const dynamic = 'force-dynamic';

export function POST(request: NextRequest): Response {
  const response = new NextResponse(null, { status: 204 });
  clearSessionCookie(response, request);
  return response;
}
