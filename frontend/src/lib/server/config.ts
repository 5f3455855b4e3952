// Runtime configuration of the frontend server. Read on every call (never at build time) so one
// image can be pointed at a different backend per cluster just by changing the env var.

export const DEFAULT_BACKEND_URL = 'http://localhost:8000';

export type BackendUrlResult = { ok: true; url: string } | { ok: false; error: string };

/** Parses BACKEND_URL; returns a message naming the problem and the fix when it is unusable. */
export function readBackendUrl(env: Record<string, string | undefined> = process.env): BackendUrlResult {
  const raw = (env.BACKEND_URL ?? '').trim() || DEFAULT_BACKEND_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return {
      ok: false,
      error: `BACKEND_URL "${raw}" is not a valid URL; set it to the backend's base URL, e.g. http://todo-backend:8000`,
    };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return {
      ok: false,
      error: `BACKEND_URL "${raw}" must use http or https; set it to e.g. http://todo-backend:8000`,
    };
  }
  if (parsed.search || parsed.hash) {
    return {
      ok: false,
      error: `BACKEND_URL "${raw}" must not contain a query or fragment; use only scheme://host:port`,
    };
  }
  // No trailing slash, so callers can append "/api/..." without producing "//api".
  return { ok: true, url: parsed.toString().replace(/\/+$/, '') };
}
