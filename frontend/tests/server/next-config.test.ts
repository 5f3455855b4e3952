import type { NodeNextRequest } from 'next/dist/server/base-http/node';
import { ignoreLoggingIncomingRequests } from 'next/dist/server/dev/log-requests';
import { describe, expect, it } from 'vitest';

import nextConfig from '../../next.config';

// Next's own decision, fed our config: a request line `next dev` would print or not.
const logged = (url: string) => !ignoreLoggingIncomingRequests({ url } as NodeNextRequest, nextConfig.logging || undefined);

describe('next dev request log', () => {
  it.each(['/api/health', '/api/ready', '/api/ready?attempt=2'])('leaves out the probe request %s', (url) => {
    expect(logged(url)).toBe(false);
  });

  it.each(['/', '/login', '/signup', '/api/tasks', '/api/auth/login', '/api/healthz', '/api/ready/extra', '/_next/static/chunks/app.js'])(
    'still prints %s',
    (url) => {
      expect(logged(url)).toBe(true);
    },
  );
});

describe('next dev origins', () => {
  it('serves HMR and dev chunks to pages opened at localhost and at 127.0.0.1', () => {
    // Both addresses the README and the Tilt dashboard's links use; localhost is also Next's default.
    expect(nextConfig.allowedDevOrigins).toEqual(expect.arrayContaining(['localhost', '127.0.0.1']));
  });
});
