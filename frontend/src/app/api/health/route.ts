// Liveness: answers as long as the Node process can serve requests. Deliberately checks nothing
// else, so Kubernetes restarts the pod only when the process itself is wedged.
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } });
}
