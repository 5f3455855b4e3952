import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { POST as login } from '@/app/api/auth/login/route';
import { POST as logout } from '@/app/api/auth/logout/route';
import { POST as signup } from '@/app/api/auth/signup/route';

import { startLoopbackBackend, unusedLoopbackUrl, type LoopbackBackend } from '../support/loopback-backend';
import { browserRequest } from '../support/requests';

// A syntactically real JWT (header.payload.signature) expiring in one hour.
const exp = Math.floor(Date.now() / 1000) + 3600;
const TOKEN = ['eyJhbGciOiJIUzI1NiJ9', Buffer.from(JSON.stringify({ sub: '1', exp })).toString('base64url'), 'sig'].join('.');
const USER = { id: 1, email: 'ada@example.com' };

let backend: LoopbackBackend;

beforeAll(async () => {
  backend = await startLoopbackBackend();
});
afterAll(() => backend.close());
afterEach(() => {
  backend.received.length = 0;
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('POST /api/auth/login', () => {
  it('stores the token in an httpOnly cookie and returns only the user', async () => {
    vi.stubEnv('BACKEND_URL', backend.url);
    backend.respondWith(() => ({ status: 200, body: { access_token: TOKEN, token_type: 'bearer', user: USER } }));

    const response = await login(
      browserRequest('/api/auth/login', { method: 'POST', body: { email: USER.email, password: 'pw' } }),
    );

    expect(backend.received[0].url).toBe('/api/auth/login');
    expect(JSON.parse(backend.received[0].body)).toEqual({ email: USER.email, password: 'pw' });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({ user: USER });
    expect(text).not.toContain(TOKEN);

    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`todo_session=${TOKEN}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=(359\d|3600)/);
    // Plain-http request: a Secure cookie would never be sent back, so it must not be Secure.
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('marks the cookie Secure when the browser used https (behind a TLS-terminating ingress)', async () => {
    vi.stubEnv('BACKEND_URL', backend.url);
    backend.respondWith(() => ({ status: 200, body: { access_token: TOKEN, user: USER } }));

    const response = await login(
      browserRequest('/api/auth/login', {
        method: 'POST',
        body: { email: USER.email, password: 'pw' },
        headers: { 'x-forwarded-proto': 'https' },
      }),
    );

    expect(response.headers.get('set-cookie')).toMatch(/Secure/i);
  });

  it('passes a rejected login through without setting a cookie', async () => {
    vi.stubEnv('BACKEND_URL', backend.url);
    backend.respondWith(() => ({ status: 401, body: { detail: 'Incorrect e-mail or password' } }));

    const response = await login(
      browserRequest('/api/auth/login', { method: 'POST', body: { email: USER.email, password: 'nope' } }),
    );

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: 'Incorrect e-mail or password' });
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('answers 502 with a clear message when the backend is unreachable', async () => {
    vi.stubEnv('BACKEND_URL', await unusedLoopbackUrl());
    vi.spyOn(console, 'error').mockImplementation(() => {});

    const response = await login(
      browserRequest('/api/auth/login', { method: 'POST', body: { email: USER.email, password: 'pw' } }),
    );

    expect(response.status).toBe(502);
    expect((await response.json()).detail).toMatch(/unreachable/i);
  });
});

describe('POST /api/auth/signup', () => {
  it('looks the user up with the new token when the token response carries no user', async () => {
    vi.stubEnv('BACKEND_URL', backend.url);
    backend.respondWith((req) =>
      req.url === '/api/auth/signup'
        ? { status: 201, body: { access_token: TOKEN, token_type: 'bearer' } }
        : { status: 200, body: USER },
    );

    const response = await signup(
      browserRequest('/api/auth/signup', { method: 'POST', body: { email: USER.email, password: 'long password' } }),
    );

    expect(backend.received.map((r) => r.url)).toEqual(['/api/auth/signup', '/api/auth/me']);
    expect(backend.received[1].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ user: USER });
    expect(text).not.toContain(TOKEN);
  });

  it('passes a duplicate e-mail error through', async () => {
    vi.stubEnv('BACKEND_URL', backend.url);
    backend.respondWith(() => ({ status: 409, body: { detail: 'E-mail already registered' } }));

    const response = await signup(
      browserRequest('/api/auth/signup', { method: 'POST', body: { email: USER.email, password: 'long password' } }),
    );

    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ detail: 'E-mail already registered' });
  });
});

describe('POST /api/auth/logout', () => {
  it('expires the session cookie', async () => {
    const response = logout(browserRequest('/api/auth/logout', { method: 'POST', headers: { cookie: `todo_session=${TOKEN}` } }));

    expect(response.status).toBe(204);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^todo_session=;/);
    expect(cookie).toMatch(/Max-Age=0/);
    expect(cookie).toMatch(/Path=\//);
  });
});
