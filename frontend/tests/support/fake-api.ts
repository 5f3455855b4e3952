import type { Task } from '@/lib/client/types';

// An in-memory stand-in for the frontend's /api, installed as the browser's global fetch.
// Mocking at the fetch boundary keeps every component, hook and API helper real; the fake
// follows the backend contract (filtering by status/q, 201/204 codes, FastAPI error bodies).

export type RecordedCall = { method: string; path: string; query: URLSearchParams; body: unknown };
type Failure = { status: number; body: unknown };

export function createFakeApi(initialTasks: Array<Pick<Task, 'title'> & Partial<Task>> = []) {
  let nextId = 1;
  // Timestamps as the backend sends them (UTC, ISO 8601); no component shows them.
  const stamps = () => ({ created_at: new Date().toISOString(), updated_at: new Date().toISOString() });
  const tasks: Task[] = initialTasks.map((task) => ({ id: nextId++, done: false, due_date: null, ...stamps(), ...task }));
  const calls: RecordedCall[] = [];
  const failures: Failure[] = [];

  function json(status: number, body: unknown): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }

  async function fetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(String(input), 'http://frontend.test');
    const method = (init.method ?? 'GET').toUpperCase();
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path: url.pathname, query: url.searchParams, body });

    const failure = failures.shift();
    if (failure) return json(failure.status, failure.body);

    const taskMatch = url.pathname.match(/^\/api\/tasks\/(\d+)$/);
    if (url.pathname === '/api/auth/me') return json(200, { id: 1, email: 'ada@example.com' });
    if (url.pathname === '/api/tasks' && method === 'GET') {
      const status = url.searchParams.get('status');
      const q = (url.searchParams.get('q') ?? '').toLowerCase();
      const items = tasks.filter(
        (task) =>
          (status === null || (status === 'done') === task.done) && task.title.toLowerCase().includes(q),
      );
      return json(200, { items, total: items.length, limit: 100, offset: 0 });
    }
    if (url.pathname === '/api/tasks' && method === 'POST') {
      const task: Task = { id: nextId++, title: body.title, done: false, due_date: body.due_date ?? null, ...stamps() };
      tasks.push(task);
      return json(201, task);
    }
    if (taskMatch) {
      const index = tasks.findIndex((task) => task.id === Number(taskMatch[1]));
      if (index === -1) return json(404, { detail: 'Task not found' });
      if (method === 'PATCH') {
        tasks[index] = { ...tasks[index], ...body };
        return json(200, tasks[index]);
      }
      if (method === 'DELETE') {
        tasks.splice(index, 1);
        return new Response(null, { status: 204 });
      }
    }
    if (url.pathname === '/api/chat' && method === 'POST') {
      const add = /^add (.+)$/i.exec(body.message);
      if (!add) return json(200, { reply: "Sorry, I didn't understand that.", actions: [], tasks: [...tasks] });
      const task: Task = { id: nextId++, title: add[1], done: false, due_date: null, ...stamps() };
      tasks.push(task);
      return json(200, { reply: `Added #${task.id} ${task.title}.`, actions: [{ type: 'created', task }], tasks: [...tasks] });
    }
    return json(404, { detail: 'Not Found' });
  }

  return {
    fetch,
    tasks,
    calls,
    /** The next `times` requests answer with this status/body instead of succeeding. */
    failNext(status: number, body: unknown, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ status, body });
    },
    callsTo(method: string, path: string | RegExp) {
      return calls.filter(
        (call) => call.method === method && (typeof path === 'string' ? call.path === path : path.test(call.path)),
      );
    },
  };
}
