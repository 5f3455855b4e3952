import { NextResponse } from 'next/server';

import { readBackendUrl } from './config';

// Generous because POST /api/chat waits on an LLM; everything else answers in milliseconds.
const BACKEND_TIMEOUT_MS = 60_000;

export type BackendCall =
  | { ok: true; response: Response }
  | { ok: false; response: NextResponse };

/**
 * fetch() against `${BACKEND_URL}${path}`. Never throws: configuration problems, an unreachable
 * backend and timeouts come back as ready-to-return JSON error responses in FastAPI's
 * {detail} shape, so the browser shows them like any other API error.
 */
export async function fetchBackend(path: string, init: RequestInit): Promise<BackendCall> {
  const config = readBackendUrl();
  if (!config.ok) {
    console.error(`[frontend] ${config.error}`);
    return { ok: false, response: errorJson(503, `Frontend misconfigured: ${config.error}`) };
  }
  const url = `${config.url}${path}`;
  try {
    const response = await fetch(url, {
      ...init,
      // Redirects from the API are passed to the browser untouched rather than followed here.
      redirect: 'manual',
      cache: 'no-store',
      signal: AbortSignal.timeout(BACKEND_TIMEOUT_MS),
    });
    return { ok: true, response };
  } catch (error) {
    const reason = describeFetchError(error);
    // The internal URL goes to the server log for operators, not to the browser.
    console.error(`[frontend] backend request ${init.method ?? 'GET'} ${url} failed: ${reason}`);
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return {
        ok: false,
        response: errorJson(504, 'The backend did not answer in time. Please try again.'),
      };
    }
    return {
      ok: false,
      response: errorJson(
        502,
        'The backend service is unreachable right now. Please try again in a moment.',
      ),
    };
  }
}

export function errorJson(status: number, detail: string): NextResponse {
  return NextResponse.json({ detail }, { status, headers: { 'cache-control': 'no-store' } });
}

// undici wraps socket errors as `TypeError: fetch failed` with the useful code in `cause`.
function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
