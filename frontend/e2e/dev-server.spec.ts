// `next dev` as a developer meets it (README, the Tilt dashboard's links): the app works and
// hot-reloads at http://127.0.0.1 as well as http://localhost, and its output shows page
// requests without the probes' polling.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

import { expect, test, type Page } from '@playwright/test';

import { stack, url } from './stack';

test.describe.configure({ mode: 'serial' });

const HOSTS = ['127.0.0.1', 'localhost'] as const;
const REPO_DIR = path.resolve(import.meta.dirname, '..', '..');
// The file the HMR check edits (and always restores): the task page's own component.
const EDITED_FILE = path.join(REPO_DIR, 'frontend', 'src', 'components', 'TaskApp.tsx');
const HEADING = '<h2 id="tasks-heading">Tasks</h2>';
const nonce = randomBytes(4).toString('hex');
const pages = new Map<string, Page>();

declare global {
  interface Window {
    hmrMarker?: string;
  }
}

test.beforeAll(async ({ browser }) => {
  expect(readFileSync(EDITED_FILE, 'utf8'), `${EDITED_FILE} must contain ${HEADING} once (left edited by an interrupted run? git checkout it)`).toContain(HEADING);
  for (const host of HOSTS) {
    // One context per address: cookies are per host, so each signs up on its own.
    pages.set(host, await browser.newPage({ baseURL: url(stack().devPort, host) }));
  }
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach('next-dev.log', { path: stack().devServerLog, contentType: 'text/plain' });
  }
});

test.afterAll(async () => {
  await Promise.all([...pages.values()].map((page) => page.close()));
});

for (const host of HOSTS) {
  test(`sign-up works at http://${host} (the page hydrates)`, async () => {
    const page = pages.get(host)!;
    await page.goto('/signup');
    await page.getByLabel('E-mail').fill(`dev-${host}-${nonce}@example.com`);
    await page.getByLabel('Password').fill(`pw-${nonce}-${nonce}`);
    // Without hydration the click submits the form natively (a GET to /signup) and nothing happens.
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page).toHaveURL(/\/$/, { timeout: 60_000 }); // first visit: next dev compiles the page
    await expect(page.getByText(`Signed in as dev-${host}-${nonce}@example.com`)).toBeVisible();
  });
}

test('an edit to the task page hot-reloads in place at both addresses', async () => {
  const original = readFileSync(EDITED_FILE, 'utf8');
  const heading = `Tasks (edited ${nonce})`;
  for (const page of pages.values()) {
    // The task page freshly loaded, as a developer keeps it open. (Right after sign-up's client-side
    // navigation to it, Turbopack did not push this file's update to the page at all: a Next
    // behaviour seen here at either address, not what this check is about.)
    await page.goto('/');
    await page.getByLabel('New task').fill('typed before the edit');
    await page.evaluate((marker) => (window.hmrMarker = marker), nonce);
  }
  const saved = Date.now();
  writeFileSync(EDITED_FILE, original.replace(HEADING, `<h2 id="tasks-heading">${heading}</h2>`));
  try {
    for (const [host, page] of pages) {
      await expect(page.getByRole('heading', { level: 2, name: heading }), `the edit did not reach the page at ${host}`).toBeVisible({ timeout: 30_000 });
      test.info().annotations.push({ type: 'hmr', description: `${host}: save → page updated in ${Date.now() - saved} ms` });
      // In place: a full reload would have dropped the window's state and the typed text.
      expect(await page.evaluate(() => window.hmrMarker), `the page at ${host} reloaded instead of updating in place`).toBe(nonce);
      await expect(page.getByLabel('New task')).toHaveValue('typed before the edit');
    }
  } finally {
    writeFileSync(EDITED_FILE, original);
  }
  for (const page of pages.values()) {
    await expect(page.getByRole('heading', { level: 2, name: 'Tasks', exact: true })).toBeVisible({ timeout: 30_000 });
  }
});

/** The chart's frontend probe paths: its only `path: /api/...` entries (the backend's are /health, /ready). */
function chartProbePaths(): string[] {
  const paths = new Set<string>();
  for (const file of ['values.yaml', 'values-dev.yaml']) {
    const text = readFileSync(path.join(REPO_DIR, 'helm', 'todo-app', file), 'utf8');
    for (const match of text.matchAll(/^\s+path:\s*(\/api\/\S+)/gm)) paths.add(match[1]);
  }
  return [...paths];
}

test("next dev's output shows page requests but not the probes", async ({ request }) => {
  const probes = chartProbePaths();
  expect(probes.length, 'no frontend probe paths found in helm/todo-app/values*.yaml').toBeGreaterThan(0);
  for (const probe of probes) expect((await request.get(probe)).status(), probe).toBe(200);
  const pageRequest = `/login?probe-check=${nonce}`;
  expect((await request.get(pageRequest)).status()).toBe(200);

  const log = () => stripVTControlCharacters(readFileSync(stack().devServerLog, 'utf8'));
  await expect.poll(log, { message: "next dev's output never showed the page request" }).toContain(`GET ${pageRequest}`);
  for (const probe of probes) expect(log(), `next dev's output logs the probe path ${probe}`).not.toContain(`GET ${probe}`);
});
