// One X-Request-ID per browser action, kept across the hop to the backend so frontend and backend
// log lines for the same request can be joined. A caller-supplied id is reused if it looks sane.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(incoming: Headers): string {
  const supplied = incoming.get('x-request-id');
  return supplied && SAFE_REQUEST_ID.test(supplied) ? supplied : crypto.randomUUID();
}
