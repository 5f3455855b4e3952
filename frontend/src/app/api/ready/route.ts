import { readBackendUrl } from '@/lib/server/config';

// Readiness of the frontend ITSELF: the server is up and its configuration is usable.
// The backend is intentionally not probed: if it were, a backend outage would pull every frontend
// pod out of the Service too, and users would get a connection error instead of the app's own
// "backend unreachable" message.
export const dynamic = 'force-dynamic';

export function GET(): Response {
  const backend = readBackendUrl();
  const headers = { 'cache-control': 'no-store' };
  if (!backend.ok) {
    return Response.json({ status: 'not ready', detail: backend.error }, { status: 503, headers });
  }
  return Response.json({ status: 'ready' }, { headers });
}
