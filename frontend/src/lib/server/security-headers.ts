// Response headers applied to every route by next.config.ts.
// The app only ever talks to its own origin (the backend is reached through /api route handlers),
// so the CSP can be strict about connect/frame/form targets. Next's inline bootstrap scripts need
// 'unsafe-inline' unless every page is rendered with a nonce, which would force dynamic rendering
// for static pages too; dev additionally needs 'unsafe-eval' (React's debug stack reconstruction).
export function securityHeaders(isDev: boolean): { key: string; value: string }[] {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // ws: lets the dev server's hot-reload socket connect; production needs only same-origin fetches.
    `connect-src 'self'${isDev ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

  return [
    { key: 'Content-Security-Policy', value: csp },
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'X-Frame-Options', value: 'DENY' },
    { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
    { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  ];
}
