import { NextResponse, type NextRequest } from 'next/server';

import { SESSION_COOKIE } from '@/lib/server/session-cookie';

// Route guard: a visit to the task page without a session cookie goes straight to /login instead
// of rendering an empty list that fails with 401. Only presence is checked here; the backend
// validates the token on every API call (and an invalid one is cleared by the API proxy).
export function proxy(request: NextRequest): NextResponse {
  if (request.cookies.get(SESSION_COOKIE)?.value) return NextResponse.next();
  return NextResponse.redirect(new URL('/login', request.url));
}

export const config = {
  matcher: ['/'],
};
