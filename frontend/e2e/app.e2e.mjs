// End-to-end: a person signs up, logs out and in, manages a task, asks the assistant to add one
// and logs out — against the real backend and the production frontend build, in Chromium.
// Run: npm run test:e2e  (E2E_SKIP_BUILD=1 reuses an existing .next build).
// Prints "N passed, N failed" and exits non-zero on any failure.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';

import { launchBrowser } from './browser.mjs';
import { assert, createRunner, eventually } from './runner.mjs';
import { RESULTS_DIR, startStack } from './stack.mjs';

const email = `e2e-${randomBytes(4).toString('hex')}@example.com`;
const password = `pw-${randomBytes(8).toString('hex')}`;

async function main() {
  // A failure picture from an earlier run would be mistaken for this run's.
  rmSync(path.join(RESULTS_DIR, 'e2e-failure.png'), { force: true });
  const run = createRunner();
  let stack;
  let browser;
  try {
    await run.step('backend and frontend start and report ready', async () => {
      stack = await startStack({ skipBuild: process.env.E2E_SKIP_BUILD === '1' });
      browser = await launchBrowser();
    });
    const page = browser?.page;
    const at = (pathname) => `${stack?.frontendUrl}${pathname}`;
    const checkbox = (name) => page.getByRole('checkbox', { name, exact: true });
    const onPath = (pathname) => page.waitForURL((url) => url.pathname === pathname);

    await run.step('an anonymous visit to the task page redirects to /login', async () => {
      await page.goto(at('/'));
      await onPath('/login');
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
    });

    await run.step('sign up lands on the task page', async () => {
      await page.getByRole('link', { name: 'Sign up' }).click();
      await onPath('/signup');
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Password').fill(password);
      const signup = page.waitForResponse((r) => r.url().endsWith('/api/auth/signup'));
      await page.getByRole('button', { name: 'Sign up' }).click();
      const body = await (await signup).text();
      assert(!body.includes('access_token'), `signup response leaked the token to the browser: ${body}`);
      await onPath('/');
      await page.getByText(`Signed in as ${email}`).waitFor();
    });

    await run.step('the session cookie is httpOnly and invisible to page scripts', async () => {
      const cookie = (await page.context().cookies()).find((c) => c.name === 'todo_session');
      assert(cookie, 'no todo_session cookie was set');
      assert(cookie.httpOnly && cookie.sameSite === 'Lax' && cookie.path === '/', `bad cookie flags: ${JSON.stringify(cookie)}`);
      const visible = await page.evaluate(() => document.cookie);
      assert(!visible.includes('todo_session'), 'document.cookie exposes the session token');
    });

    await run.step('log out, then log in again', async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await onPath('/login');
      await page.goto(at('/'));
      await onPath('/login');
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await onPath('/');
      await page.getByText('No tasks yet — add one above.').waitFor();
    });

    await run.step('add a task with a due date', async () => {
      await page.getByLabel('New task').fill('Buy milk');
      await page.getByLabel('Due date (optional)').fill('2030-01-31');
      await page.getByRole('button', { name: 'Add task' }).click();
      await checkbox('Buy milk').waitFor();
      await page.getByRole('list', { name: 'Tasks' }).getByText('2030-01-31').waitFor();
    });

    await run.step('complete the task; the Done/Open filters agree', async () => {
      await checkbox('Buy milk').check();
      await eventually(async () => assert(await checkbox('Buy milk').isChecked(), 'task not shown as done'));
      await page.getByRole('radio', { name: 'Open' }).check();
      await page.getByText('No tasks match this filter.').waitFor();
      await page.getByRole('radio', { name: 'Done' }).check();
      await checkbox('Buy milk').waitFor();
      await page.getByRole('radio', { name: 'All' }).check();
    });

    await run.step('edit the title and find it by search', async () => {
      await page.getByRole('button', { name: 'Edit “Buy milk”' }).click();
      await page.getByLabel('New title for “Buy milk”').fill('Buy oat milk');
      await page.getByRole('button', { name: 'Save' }).click();
      await checkbox('Buy oat milk').waitFor();
      await page.getByRole('searchbox', { name: 'Search tasks' }).fill('oat');
      await checkbox('Buy oat milk').waitFor();
      await page.getByRole('searchbox', { name: 'Search tasks' }).fill('');
    });

    await run.step('delete the task', async () => {
      await page.getByRole('button', { name: 'Delete “Buy oat milk”' }).click();
      await checkbox('Buy oat milk').waitFor({ state: 'detached' });
      await page.getByText('No tasks yet — add one above.').waitFor();
    });

    await run.step('chat "add water the plants" creates a task', async () => {
      await page.getByLabel('Message to the assistant').fill('add water the plants');
      await page.getByRole('button', { name: 'Send' }).click();
      const log = page.getByRole('log', { name: 'Conversation' });
      await log.getByText(/Added #\d+ water the plants/).waitFor();
      await checkbox('water the plants').waitFor();
      await page.screenshot({ path: path.join(RESULTS_DIR, 'e2e-task-page.png'), fullPage: true });
    });

    await run.step('log out ends the session', async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await onPath('/login');
      await page.goto(at('/'));
      await onPath('/login');
      const cookie = (await page.context().cookies()).find((c) => c.name === 'todo_session');
      assert(!cookie, 'session cookie survived logout');
    });

    await run.step('with the backend down the API answers 502 and the frontend stays ready', async () => {
      await stack.backend.stop();
      const api = await page.request.get(at('/api/tasks'));
      assert(api.status() === 502, `expected 502, got ${api.status()}`);
      const body = await api.json();
      assert(/unreachable/i.test(body.detail), `unclear 502 message: ${JSON.stringify(body)}`);
      const ready = await page.request.get(at('/api/ready'));
      assert(ready.status() === 200, `frontend readiness followed the backend down: ${ready.status()}`);
    });
  } finally {
    if (run.failed && browser) {
      await browser.page.screenshot({ path: path.join(RESULTS_DIR, 'e2e-failure.png'), fullPage: true }).catch(() => {});
      console.log(`failure screenshot: ${path.join(RESULTS_DIR, 'e2e-failure.png')}; server logs in ${RESULTS_DIR}`);
    }
    await browser?.close().catch(() => {});
    await stack?.stop();
  }
  console.log(run.summary());
  process.exitCode = run.failed ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
