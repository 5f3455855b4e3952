import type { NextRequest, NextResponse } from 'next/server';

import { secondsUntilExpiry } from './jwt-expiry';

// The JWT lives only in this httpOnly cookie: browser JS can never read it, so an XSS bug
// cannot exfiltrate the session token.
export const SESSION_COOKIE = 'todo_session';

/**
 * True when the browser reached us over https. Behind an ingress/TLS terminator the socket is
 * plain http, so the X-Forwarded-Proto header set by the proxy is checked first.
 */
export function isHttpsRequest(request: NextRequest): boolean {
  const forwarded = request.headers.get('x-forwarded-proto');
  if (forwarded) {
    return forwarded.split(',')[0].trim().toLowerCase() === 'https';
  }
  return request.nextUrl.protocol === 'https:';
}

function baseOptions(request: NextRequest) {
  return {
    httpOnly: true,
    // Lax: sent on top-level navigations (so following a link into the app stays logged in),
    // withheld on cross-site subrequests, which blocks CSRF on the JSON API.
    sameSite: 'lax' as const,
    // Secure only on https, otherwise a plain-http dev cluster could never log in.
    secure: isHttpsRequest(request),
    path: '/',
  };
}

export function setSessionCookie(response: NextResponse, request: NextRequest, token: string): void {
  // Expire the cookie with the token so the browser doesn't keep sending a dead credential.
  const maxAge = secondsUntilExpiry(token);
  response.cookies.set(SESSION_COOKIE, token, {
    ...baseOptions(request),
    ...(maxAge !== undefined ? { maxAge } : {}),
  });
}

export function clearSessionCookie(response: NextResponse, request: NextRequest): void {
  response.cookies.set(SESSION_COOKIE, '', { ...baseOptions(request), maxAge: 0 });
}

export function readSessionToken(request: NextRequest): string | undefined {
  return request.cookies.get(SESSION_COOKIE)?.value || undefined;
}
