// The addresses of the servers the browser tests run against, decided once per run.
//
// Playwright evaluates playwright.config.ts in the runner and again in every worker, so the free
// ports and the backend's data directory are chosen by the first evaluation and handed to the
// others through one environment variable (workers inherit the runner's environment).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const STACK_ENV = 'TODO_E2E_STACK';

export interface Stack {
  backendPort: number;
  /** The production build (standalone server) in front of the real backend. */
  frontendPort: number;
  /** A second production server whose backend is down, for the "backend unreachable" checks. */
  orphanFrontendPort: number;
  /** `npm run dev` (next dev) in front of the real backend. */
  devPort: number;
  /** The run's own directory, removed when the run ends: the backend's SQLite data under data/. */
  runDir: string;
  /** `next dev`'s output, read by the test of which request lines it prints. Not under frontend/:
   * next dev watches its project directory, and a file it writes there itself feeds back into it
   * (seen here: rebuild, page reload, request line, rebuild, … in a loop). */
  devServerLog: string;
}

/** Binds `count` loopback ports at once (so they differ), reads what the OS picked, releases them. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => {
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('no TCP address for a loopback listener');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** The run's stack: created by the first caller (the runner), read back by every other process. */
export async function resolveStack(): Promise<Stack> {
  const known = readStack();
  if (known) return known;
  const [backendPort, frontendPort, orphanFrontendPort, devPort] = await freePorts(4);
  const runDir = mkdtempSync(path.join(tmpdir(), 'todo-e2e-'));
  // Only the process that made the directory removes it; the servers are gone by then.
  process.on('exit', () => rmSync(runDir, { recursive: true, force: true }));
  const devServerLog = path.join(runDir, 'next-dev.log');
  const stack: Stack = { backendPort, frontendPort, orphanFrontendPort, devPort, runDir, devServerLog };
  process.env[STACK_ENV] = JSON.stringify(stack);
  return stack;
}

/** The stack the runner chose, in a test file. */
export function readStack(): Stack | undefined {
  const raw = process.env[STACK_ENV];
  return raw ? (JSON.parse(raw) as Stack) : undefined;
}

export function stack(): Stack {
  const known = readStack();
  if (!known) throw new Error(`${STACK_ENV} is not set: run the browser tests with "npm run test:e2e", which sets it up`);
  return known;
}

export const url = (port: number, host = '127.0.0.1') => `http://${host}:${port}`;
