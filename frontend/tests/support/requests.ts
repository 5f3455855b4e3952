import { NextRequest } from 'next/server';

// Builds the NextRequest a browser would send to the frontend at http://localhost:3000.
export function browserRequest(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): NextRequest {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return new NextRequest(new URL(path, 'http://localhost:3000'), {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** Route handler context for the catch-all /api/[...path] route. */
export function catchAllContext(path: string) {
  const segments = path.replace(/^\/api\//, '').split('?')[0].split('/');
  return { params: Promise.resolve({ path: segments }) };
}
