import type { NextRequest } from 'next/server';

import { proxyApiRequest } from '@/lib/server/proxy-api';

// Every /api/* request not served by a more specific route handler goes to the backend.
// force-dynamic: never cache or prerender, and read BACKEND_URL per request.
export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ path: string[] }> };

async function handle(request: NextRequest, context: Context): Promise<Response> {
  const { path } = await context.params;
  return proxyApiRequest(request, path);
}

export const GET = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;
