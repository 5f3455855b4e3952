import { NextResponse, type NextRequest } from 'next/server';

import { errorJson, fetchBackend } from './backend-fetch';
import { requestIdFor } from './request-id';
import { clearSessionCookie, readSessionToken } from './session-cookie';

// Request headers worth forwarding. Everything else (cookies above all, host, connection…) stays
// here: the backend authenticates with the Bearer token only.
const FORWARDED_REQUEST_HEADERS = ['accept', 'content-type', 'accept-language'];
// Response headers worth passing back; hop-by-hop and set-cookie headers are dropped.
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'location', 'retry-after', 'cache-control'];

/**
 * Forwards the browser's /api/<path> request to `${BACKEND_URL}/api/<path>` with the session
 * cookie turned into `Authorization: Bearer …`; status and body come back unchanged.
 */
export async function proxyApiRequest(request: NextRequest, segments: string[]): Promise<Response> {
  // "." / ".." would be normalised away by URL parsing and let a caller reach backend paths
  // outside /api (e.g. /api/../metrics), so they are refused outright.
  if (segments.some((segment) => segment === '.' || segment === '..' || segment === '')) {
    return errorJson(400, 'Invalid API path.');
  }
  const path = `/api/${segments.map(encodeURIComponent).join('/')}${request.nextUrl.search}`;

  const requestId = requestIdFor(request.headers);
  const headers = new Headers({ 'x-request-id': requestId });
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  const token = readSessionToken(request);
  if (token) headers.set('authorization', `Bearer ${token}`);

  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const body = hasBody ? await request.arrayBuffer() : undefined;

  const call = await fetchBackend(path, {
    method: request.method,
    headers,
    body: body && body.byteLength > 0 ? body : undefined,
  });
  if (!call.ok) {
    call.response.headers.set('x-request-id', requestId);
    return call.response;
  }

  const upstream = call.response;
  const responseHeaders = new Headers({ 'x-request-id': requestId });
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) responseHeaders.set(name, value);
  }
  if (!responseHeaders.has('cache-control')) responseHeaders.set('cache-control', 'no-store');

  // 204/304 must not carry a body; otherwise the bytes are passed through verbatim.
  const noBody = upstream.status === 204 || upstream.status === 304 || request.method === 'HEAD';
  const responseBody = noBody ? null : await upstream.arrayBuffer();
  const response = new NextResponse(responseBody, { status: upstream.status, headers: responseHeaders });

  // A rejected token (expired, secret rotated) is useless: drop it so the next page load lands on
  // /login via the route guard instead of failing every call.
  if (upstream.status === 401 && token) clearSessionCookie(response, request);
  return response;
}
