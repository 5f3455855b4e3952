// Brings up the real backend (python -m app) and the production frontend build
// (node .next/standalone/server.js) on free loopback ports — never 3000/8000, so the run
// can't collide with a dev server or the dev cluster's port-forwards.
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, runToCompletion, startServer, waitForOk } from './processes.mjs';

export const FRONTEND_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_DIR = path.resolve(FRONTEND_DIR, '..');
export const RESULTS_DIR = path.join(FRONTEND_DIR, 'test-results');
const BACKEND_DIR = path.join(REPO_DIR, 'backend');
const PYTHON = process.env.E2E_PYTHON ?? path.join(REPO_DIR, '.venv', 'bin', 'python');
const READY_TIMEOUT_MS = 90_000;

// Inherited env minus anything that would change what is being tested (a real Cohere key would
// make the chat non-deterministic; a stray BACKEND_URL/DATABASE_URL would point elsewhere).
function cleanEnv() {
  const env = { ...process.env };
  for (const name of ['COHERE_API_KEY', 'DATABASE_URL', 'BACKEND_URL', 'PORT', 'HOSTNAME', 'NODE_OPTIONS']) delete env[name];
  return env;
}

export async function startStack({ skipBuild = false } = {}) {
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} not found: create it with "python3 -m venv .venv && .venv/bin/pip install -r backend/requirements.txt" in ${REPO_DIR}`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const tmp = mkdtempSync(path.join(tmpdir(), 'todo-e2e-'));
  const [backendPort, frontendPort] = [await freePort(), await freePort()];
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const frontendUrl = `http://127.0.0.1:${frontendPort}`;
  const servers = [];

  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(tmp, { recursive: true, force: true });
  };

  try {
    const backend = startServer('backend', PYTHON, ['-m', 'app'], {
      cwd: BACKEND_DIR,
      env: {
        ...cleanEnv(),
        DATA_DIR: path.join(tmp, 'data'),
        PORT: String(backendPort),
        APP_ENV: 'development',
        UVICORN_RELOAD: 'false',
        JWT_SECRET: randomBytes(36).toString('base64url'), // 48 characters
      },
      logFile: path.join(RESULTS_DIR, 'e2e-backend.log'),
    });
    servers.push(backend);

    // Build while the backend migrates its fresh database.
    const standaloneServer = path.join(FRONTEND_DIR, '.next', 'standalone', 'server.js');
    if (!skipBuild || !existsSync(standaloneServer)) {
      await runToCompletion(process.execPath, [path.join(FRONTEND_DIR, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
        cwd: FRONTEND_DIR,
        env: { ...cleanEnv(), NEXT_TELEMETRY_DISABLED: '1' },
        logFile: path.join(RESULTS_DIR, 'e2e-build.log'),
      });
    }
    // The standalone server does not include static assets; the Docker image copies them the same way.
    cpSync(path.join(FRONTEND_DIR, '.next', 'static'), path.join(FRONTEND_DIR, '.next', 'standalone', '.next', 'static'), { recursive: true });
    if (existsSync(path.join(FRONTEND_DIR, 'public'))) {
      cpSync(path.join(FRONTEND_DIR, 'public'), path.join(FRONTEND_DIR, '.next', 'standalone', 'public'), { recursive: true });
    }

    const frontend = startServer('frontend', process.execPath, [standaloneServer], {
      cwd: path.dirname(standaloneServer),
      env: {
        ...cleanEnv(),
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        PORT: String(frontendPort),
        HOSTNAME: '127.0.0.1',
        BACKEND_URL: backendUrl, // read at run time by the proxy route handlers
      },
      logFile: path.join(RESULTS_DIR, 'e2e-frontend.log'),
    });
    servers.push(frontend);

    await waitForOk(backend, `${backendUrl}/ready`, READY_TIMEOUT_MS);
    await waitForOk(frontend, `${frontendUrl}/api/ready`, READY_TIMEOUT_MS);
    return { backendUrl, frontendUrl, tmp, backend, frontend, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
