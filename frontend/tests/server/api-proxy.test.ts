import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { DELETE, GET, PATCH, POST } from '@/app/api/[...path]/route';

import { startLoopbackBackend, unusedLoopbackUrl, type LoopbackBackend } from '../support/loopback-backend';
import { browserRequest, catchAllContext } from '../support/requests';

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

function useBackend(url = backend.url) {
  vi.stubEnv('BACKEND_URL', url);
}

describe('/api/[...path] proxy', () => {
  it('turns the session cookie into a Bearer token and keeps cookies away from the backend', async () => {
    useBackend();
    backend.respondWith(() => ({ status: 200, body: { items: [{ id: 1, title: 'Milk', done: false }], total: 1 } }));

    const path = '/api/tasks?status=open&q=milk&limit=10&offset=0';
    const response = await GET(
      browserRequest(path, { headers: { cookie: 'todo_session=jwt-abc; other=1', 'x-request-id': 'req-42' } }),
      catchAllContext(path),
    );

    const [seen] = backend.received;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/api/tasks?status=open&q=milk&limit=10&offset=0');
    expect(seen.headers.authorization).toBe('Bearer jwt-abc');
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-request-id']).toBe('req-42');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-42');
    expect(await response.json()).toEqual({ items: [{ id: 1, title: 'Milk', done: false }], total: 1 });
  });

  it('forwards the JSON body and passes the status code back', async () => {
    useBackend();
    backend.respondWith((req) => ({ status: 201, body: { id: 7, done: false, ...JSON.parse(req.body) } }));

    const response = await POST(
      browserRequest('/api/tasks', { method: 'POST', body: { title: 'Buy milk', due_date: '2030-01-01' }, headers: { cookie: 'todo_session=t' } }),
      catchAllContext('/api/tasks'),
    );

    expect(JSON.parse(backend.received[0].body)).toEqual({ title: 'Buy milk', due_date: '2030-01-01' });
    expect(backend.received[0].headers['content-type']).toBe('application/json');
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: 7, done: false, title: 'Buy milk', due_date: '2030-01-01' });
  });

  it('passes PATCH through and returns 204 with no body for DELETE', async () => {
    useBackend();
    backend.respondWith((req) =>
      req.method === 'DELETE' ? { status: 204 } : { status: 200, body: { id: 3, title: 'x', done: true } },
    );

    const patched = await PATCH(
      browserRequest('/api/tasks/3', { method: 'PATCH', body: { done: true }, headers: { cookie: 'todo_session=t' } }),
      catchAllContext('/api/tasks/3'),
    );
    const deleted = await DELETE(
      browserRequest('/api/tasks/3', { method: 'DELETE', headers: { cookie: 'todo_session=t' } }),
      catchAllContext('/api/tasks/3'),
    );

    expect(backend.received.map((r) => `${r.method} ${r.url}`)).toEqual(['PATCH /api/tasks/3', 'DELETE /api/tasks/3']);
    expect((await patched.json()).done).toBe(true);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
  });

  it('passes FastAPI error bodies through unchanged', async () => {
    useBackend();
    const detail = [{ loc: ['body', 'title'], msg: 'Field required', type: 'missing' }];
    backend.respondWith(() => ({ status: 422, body: { detail } }));

    const response = await POST(
      browserRequest('/api/tasks', { method: 'POST', body: {}, headers: { cookie: 'todo_session=t' } }),
      catchAllContext('/api/tasks'),
    );

    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ detail });
  });

  it('sends no Authorization header without a session cookie', async () => {
    useBackend();
    backend.respondWith(() => ({ status: 401, body: { detail: 'Not authenticated' } }));

    const response = await GET(browserRequest('/api/auth/me'), catchAllContext('/api/auth/me'));

    expect(backend.received[0].headers.authorization).toBeUndefined();
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('clears a session cookie the backend rejects', async () => {
    useBackend();
    backend.respondWith(() => ({ status: 401, body: { detail: 'Token expired' } }));

    const response = await GET(
      browserRequest('/api/tasks', { headers: { cookie: 'todo_session=expired' } }),
      catchAllContext('/api/tasks'),
    );

    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toMatch(/^todo_session=; .*Max-Age=0/i);
  });

  it('answers 502 with a clear JSON message when the backend is unreachable', async () => {
    useBackend(await unusedLoopbackUrl());
    vi.spyOn(console, 'error').mockImplementation(() => {});

    const response = await GET(
      browserRequest('/api/tasks', { headers: { cookie: 'todo_session=t' } }),
      catchAllContext('/api/tasks'),
    );

    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect((await response.json()).detail).toMatch(/backend service is unreachable/i);
  });

  it('refuses dot segments that would escape /api on the backend', async () => {
    useBackend();

    const response = await GET(browserRequest('/api/tasks'), { params: Promise.resolve({ path: ['..', 'metrics'] }) });

    expect(response.status).toBe(400);
    expect(backend.received).toHaveLength(0);
  });

  it('answers 503 naming the fix when BACKEND_URL is malformed', async () => {
    useBackend('backend:8000');
    vi.spyOn(console, 'error').mockImplementation(() => {});

    const response = await GET(browserRequest('/api/tasks'), catchAllContext('/api/tasks'));

    expect(response.status).toBe(503);
    expect((await response.json()).detail).toContain('BACKEND_URL');
  });
});
