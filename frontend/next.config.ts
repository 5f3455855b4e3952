import type { NextConfig } from 'next';

import { securityHeaders } from './src/lib/server/security-headers';

// BACKEND_URL is deliberately NOT referenced here: next.config is evaluated at build time, and the
// same image must work in every cluster, so the proxy route handlers read it at request time.
const nextConfig: NextConfig = {
  // Self-contained server (node .next/standalone/server.js) for a small runtime image.
  output: 'standalone',
  poweredByHeader: false,
  reactStrictMode: true,
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
