// Serves the production build the way the runtime image does: `next build` (output: 'standalone'),
// the static assets copied beside server.js, then `node server.js`. Playwright's webServer runs
// this and stops it (with its whole process group) after the tests.
// E2E_SKIP_BUILD=1 reuses an existing build.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FRONTEND_DIR = fileURLToPath(new URL('..', import.meta.url));
const NEXT_DIR = path.join(FRONTEND_DIR, '.next');
const STANDALONE_DIR = path.join(NEXT_DIR, 'standalone');
const SERVER = path.join(STANDALONE_DIR, 'server.js');

const STATIC_COPY = path.join(STANDALONE_DIR, '.next', 'static');

const build = process.env.E2E_SKIP_BUILD !== '1' || !existsSync(SERVER);
if (build) {
  const nextBin = path.join(FRONTEND_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');
  // The build must not see the test server's settings (NODE_ENV=production is its own default).
  const buildEnv = { ...process.env };
  for (const name of ['PORT', 'HOSTNAME', 'BACKEND_URL', 'NODE_ENV']) delete buildEnv[name];
  const result = spawnSync(process.execPath, [nextBin, 'build'], { cwd: FRONTEND_DIR, env: buildEnv, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`next build failed (exit ${result.status ?? result.signal}); run "npm run build" in ${FRONTEND_DIR} to see why`);
    process.exit(1);
  }
}

// The standalone server does not include the static assets; the Docker image copies them the same way.
if (build || !existsSync(STATIC_COPY)) {
  rmSync(STATIC_COPY, { recursive: true, force: true });
  cpSync(path.join(NEXT_DIR, 'static'), STATIC_COPY, { recursive: true });
  if (existsSync(path.join(FRONTEND_DIR, 'public'))) {
    cpSync(path.join(FRONTEND_DIR, 'public'), path.join(STANDALONE_DIR, 'public'), { recursive: true });
  }
}

const server = spawn(process.execPath, [SERVER], { cwd: STANDALONE_DIR, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
