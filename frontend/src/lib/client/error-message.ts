// Turns a FastAPI-style error body into one sentence a person can act on.
// 422 bodies look like {detail: [{loc: ['body', 'title'], msg: 'String should have…', type}]}.

type ValidationIssue = { loc?: unknown; msg?: unknown };

export function describeApiError(body: unknown, status: number): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string' && detail.trim()) return detail;
  if (Array.isArray(detail) && detail.length > 0) {
    return detail.map(describeIssue).join(' ');
  }
  if (status === 401) return 'Your session has expired. Please log in again.';
  return `Request failed (HTTP ${status}). Please try again.`;
}

function describeIssue(issue: ValidationIssue): string {
  const message = typeof issue?.msg === 'string' ? issue.msg : 'is invalid';
  // loc starts with where the value came from ("body", "query"); the field name is the useful part.
  const field = Array.isArray(issue?.loc)
    ? issue.loc.filter((part) => part !== 'body' && part !== 'query' && part !== 'path').join('.')
    : '';
  return field ? `${humanize(field)}: ${message}.` : `${message}.`;
}

function humanize(field: string): string {
  const spaced = field.replace(/_/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
