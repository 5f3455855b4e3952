import type { NextConfig } from 'next';

import { PROBE_REQUESTS } from './src/lib/server/probe-paths';
import { securityHeaders } from './src/lib/server/security-headers';

// BACKEND_URL is deliberately NOT referenced here: next.config is evaluated at build time, and the
// same image must work in every cluster, so the proxy route handlers read it at request time.
const nextConfig: NextConfig = {
  // Self-contained server (node .next/standalone/server.js) for a small runtime image.
  output: 'standalone',
  poweredByHeader: false,
  reactStrictMode: true,
  // `next dev` serves its HMR websocket and dev chunks only to pages opened at localhost or at its
  // -H host (0.0.0.0 here). The README and the dashboard's links use localhost, people also type
  // 127.0.0.1: without this the page renders there but never hydrates and HMR is refused.
  allowedDevOrigins: ['localhost', '127.0.0.1'],
  // `next dev` prints one line per request (production prints none); the probes' polling would
  // bury the developer's own requests in the Tilt pane.
  logging: { incomingRequests: { ignore: PROBE_REQUESTS } },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: securityHeaders(process.env.NODE_ENV === 'development'),
      },
    ];
  },
};

export default nextConfig;
