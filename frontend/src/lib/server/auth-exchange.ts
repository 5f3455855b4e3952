import { NextResponse, type NextRequest } from 'next/server';

import { errorJson, fetchBackend } from './backend-fetch';
import { requestIdFor } from './request-id';
import { setSessionCookie } from './session-cookie';

type TokenResponse = { access_token?: unknown; user?: unknown };

/**
 * Sends the credentials to the backend's login/signup endpoint. On success the access token is
 * stored in the httpOnly cookie and ONLY the user is returned, so browser JS never sees the JWT.
 * Backend errors (409 duplicate e-mail, 401 bad password, 422 validation…) pass through unchanged.
 */
export async function exchangeCredentials(
  request: NextRequest,
  backendPath: '/api/auth/login' | '/api/auth/signup',
): Promise<Response> {
  const requestId = requestIdFor(request.headers);
  const call = await fetchBackend(backendPath, {
    method: 'POST',
    headers: {
      'content-type': request.headers.get('content-type') ?? 'application/json',
      accept: 'application/json',
      'x-request-id': requestId,
    },
    body: await request.text(),
  });
  if (!call.ok) return call.response;

  const upstream = call.response;
  const payload: unknown = await upstream.json().catch(() => null);
  if (!upstream.ok) {
    return NextResponse.json(payload ?? { detail: `Backend answered ${upstream.status}.` }, {
      status: upstream.status,
      headers: { 'x-request-id': requestId },
    });
  }

  const { access_token: token, user: embeddedUser } = (payload ?? {}) as TokenResponse;
  if (typeof token !== 'string' || token === '') {
    console.error(`[frontend] ${backendPath} succeeded but returned no access_token`);
    return errorJson(502, 'The backend did not return a session token. Please try again.');
  }
  // Token responses normally embed the user; if one does not, ask the backend who the token is.
  const user = embeddedUser ?? (await fetchCurrentUser(token, requestId));
  if (user === undefined) {
    return errorJson(502, 'Signed in, but the backend could not return your profile. Please retry.');
  }

  const response = NextResponse.json(
    { user },
    { status: upstream.status, headers: { 'x-request-id': requestId, 'cache-control': 'no-store' } },
  );
  setSessionCookie(response, request, token);
  return response;
}

async function fetchCurrentUser(token: string, requestId: string): Promise<unknown> {
  const call = await fetchBackend('/api/auth/me', {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'x-request-id': requestId },
  });
  if (!call.ok || !call.response.ok) return undefined;
  return call.response.json().catch(() => undefined);
}
