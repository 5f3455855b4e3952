// The frontend's own health routes (src/app/api/health, src/app/api/ready). The chart's probes
// (helm/todo-app/values.yaml) and Tilt's probe resources poll them every few seconds.
export const PROBE_PATHS = ['/api/health', '/api/ready'] as const;

/** A probe's request, query string or not; `/api/healthz` or `/api/ready/x` are other requests. */
export const PROBE_REQUESTS: RegExp[] = PROBE_PATHS.map((probe) => new RegExp(`^${probe}(?:\\?|$)`));
