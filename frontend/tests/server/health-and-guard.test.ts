import { afterEach, describe, expect, it, vi } from 'vitest';

import { GET as health } from '@/app/api/health/route';
import { GET as ready } from '@/app/api/ready/route';
import { config as guardConfig, proxy as routeGuard } from '@/proxy';

import { browserRequest } from '../support/requests';

afterEach(() => vi.unstubAllEnvs());

describe('health endpoints', () => {
  it('liveness answers ok', async () => {
    const response = health();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('readiness is ready with a valid BACKEND_URL, without contacting the backend', async () => {
    // Nothing listens on this port: readiness must not depend on the backend being up.
    vi.stubEnv('BACKEND_URL', 'http://127.0.0.1:9');
    const response = ready();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('readiness fails with a fix-it message when BACKEND_URL is not a URL', async () => {
    vi.stubEnv('BACKEND_URL', 'not a url');
    const response = ready();
    expect(response.status).toBe(503);
    expect((await response.json()).detail).toMatch(/BACKEND_URL "not a url" is not a valid URL; set it to/);
  });
});

describe('route guard (src/proxy.ts)', () => {
  it('sends visitors without a session to /login', () => {
    const response = routeGuard(browserRequest('/'));
    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe('http://localhost:3000/login');
  });

  it('lets visitors with a session cookie through', () => {
    const response = routeGuard(browserRequest('/', { headers: { cookie: 'todo_session=abc' } }));
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('x-middleware-next')).toBe('1');
  });

  it('guards only the task page, not /login or the API', () => {
    expect(guardConfig.matcher).toEqual(['/']);
  });
});
