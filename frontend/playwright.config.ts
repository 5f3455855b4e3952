// Browser tests: Debian's Chromium against the real backend (`python -m app`, SQLite in a temporary
// directory) and the frontend, each on a free loopback port, never 3000/8000, so a run cannot
// collide with a dev server or the dev cluster's port-forwards. Run: npm run test:e2e
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

import { defineConfig } from '@playwright/test';

import { resolveStack, url } from './e2e/stack';

const FRONTEND_DIR = import.meta.dirname;
const REPO_DIR = path.resolve(FRONTEND_DIR, '..');
const PYTHON = process.env.E2E_PYTHON ?? path.join(REPO_DIR, '.venv', 'bin', 'python');
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

if (!existsSync(PYTHON)) {
  throw new Error(
    `The browser tests start the real backend with ${PYTHON}, which does not exist. ` +
      `Create the project venv with "./scripts/dev doctor" in ${REPO_DIR} (or point E2E_PYTHON at a Python with backend/requirements.txt installed).`,
  );
}

const stack = await resolveStack();
const backendUrl = url(stack.backendPort);
// Settings of the developer's shell that would change what is being tested: a real Cohere key
// makes the chat non-deterministic, a stray DATABASE_URL/NODE_OPTIONS points elsewhere.
const UNSET = 'env -u COHERE_API_KEY -u DATABASE_URL -u NODE_OPTIONS';
const quote = (value: string) => JSON.stringify(value);
const standalone = (port: number, backend: string, extra: Record<string, string> = {}) => ({
  command: `${UNSET} ${quote(process.execPath)} e2e/start-standalone.mjs`,
  url: `${url(port)}/api/ready`,
  env: { PORT: String(port), HOSTNAME: '127.0.0.1', BACKEND_URL: backend, NEXT_TELEMETRY_DISABLED: '1', ...extra },
});

export default defineConfig({
  testDir: 'e2e',
  // Each file is one journey whose steps build on each other (serial describe blocks), and the
  // servers are shared: one worker, no retries (a flaky step is a bug to fix, not to retry).
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results/e2e',
  reporter: [
    ['list'],
    // Read by ./scripts/dev test (scripts/workflow/suites.py) for the summary's counts.
    ['junit', { outputFile: 'test-results/e2e-junit.xml' }],
    ['html', { outputFolder: 'playwright-report', open: 'never' }],
  ],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1280, height: 900 },
    actionTimeout: 15_000,
    launchOptions: {
      // No browser download is possible (or wanted) here: Debian's Chromium, quiet and hermetic.
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox', // we run as root in a container, where the sandbox cannot start
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'journey', testMatch: 'journey.spec.ts', use: { baseURL: url(stack.frontendPort) } },
    // The first visit to each page makes `next dev` compile it: a longer budget per test.
    { name: 'dev-server', testMatch: 'dev-server.spec.ts', timeout: 120_000, use: { baseURL: url(stack.devPort) } },
  ],
  // Started in this order, one after the other, and stopped (whole process groups) after the run.
  webServer: [
    {
      name: 'backend',
      command: `${UNSET} ${quote(PYTHON)} -m app`,
      cwd: path.join(REPO_DIR, 'backend'),
      url: `${backendUrl}/ready`,
      timeout: 120_000,
      env: {
        DATA_DIR: path.join(stack.runDir, 'data'),
        PORT: String(stack.backendPort),
        APP_ENV: 'development',
        UVICORN_RELOAD: 'false',
        JWT_SECRET: randomBytes(36).toString('base64url'), // 48 characters
      },
    },
    // `next build` runs inside this one: minutes on a busy 2-core machine.
    { name: 'frontend', ...standalone(stack.frontendPort, backendUrl), timeout: 600_000 },
    // Nothing listens on port 9 (discard): this frontend's backend is down.
    { name: 'frontend-orphan', ...standalone(stack.orphanFrontendPort, 'http://127.0.0.1:9', { E2E_SKIP_BUILD: '1' }), timeout: 60_000 },
    {
      name: 'next-dev',
      // The developer's own command (binds 0.0.0.0, like the dev container), with its output kept
      // for the test of which request lines it prints (and attached to any failing dev-server test).
      command: `${UNSET} npm run --silent dev -- --port ${stack.devPort} > ${quote(stack.devServerLog)} 2>&1`,
      // The first request to a route makes `next dev` compile it.
      url: `${url(stack.devPort)}/api/health`,
      timeout: 300_000,
      env: { BACKEND_URL: backendUrl, NEXT_TELEMETRY_DISABLED: '1' },
    },
  ],
});
