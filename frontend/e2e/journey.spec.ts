// A person signs up, logs out and in, manages a task, asks the assistant to add one and logs out,
// against the real backend and the production build. The steps build on each other (you can't
// delete a task you failed to add), so the suite is serial: after a failure the rest are skipped.
import { randomBytes } from 'node:crypto';

import { expect, test, type Page } from '@playwright/test';

import { stack, url } from './stack';

test.describe.configure({ mode: 'serial' });

const email = `e2e-${randomBytes(4).toString('hex')}@example.com`;
const password = `pw-${randomBytes(8).toString('hex')}`;

let page: Page;
const checkbox = (name: string) => page.getByRole('checkbox', { name, exact: true });
const sessionCookie = async () => (await page.context().cookies()).find((c) => c.name === 'todo_session');

test.beforeAll(async ({ browser, baseURL }) => {
  // One page for the whole journey: its cookies are the session under test.
  page = await browser.newPage({ baseURL });
});

test.afterAll(async () => {
  await page.close();
});

test('an anonymous visit to the task page redirects to /login', async () => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
});

test('sign up lands on the task page', async () => {
  await page.getByRole('link', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  const signup = page.waitForResponse((r) => r.url().endsWith('/api/auth/signup'));
  await page.getByRole('button', { name: 'Sign up' }).click();
  expect(await (await signup).text(), 'the signup response must not hand the token to the browser').not.toContain('access_token');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
});

test('the session cookie is httpOnly and invisible to page scripts', async () => {
  const cookie = await sessionCookie();
  expect(cookie, 'no todo_session cookie was set').toBeDefined();
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  expect(await page.evaluate(() => document.cookie)).not.toContain('todo_session');
});

test('log out, then log in again', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText('No tasks yet — add one above.')).toBeVisible();
});

test('add a task with a due date', async () => {
  await page.getByLabel('New task').fill('Buy milk');
  await page.getByLabel('Due date (optional)').fill('2030-01-31');
  await page.getByRole('button', { name: 'Add task' }).click();
  await expect(checkbox('Buy milk')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Tasks' }).getByText('2030-01-31')).toBeVisible();
});

test('complete the task; the Done/Open filters agree', async () => {
  await checkbox('Buy milk').check();
  // The box reflects the server's answer, which arrives after the click.
  await expect.poll(() => checkbox('Buy milk').isChecked(), { message: 'task not shown as done' }).toBe(true);
  await page.getByRole('radio', { name: 'Open' }).check();
  await expect(page.getByText('No tasks match this filter.')).toBeVisible();
  await page.getByRole('radio', { name: 'Done' }).check();
  await expect(checkbox('Buy milk')).toBeVisible();
  await page.getByRole('radio', { name: 'All' }).check();
});

test('edit the title and find it by search', async () => {
  await page.getByRole('button', { name: 'Edit “Buy milk”' }).click();
  await page.getByLabel('New title for “Buy milk”').fill('Buy oat milk');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(checkbox('Buy oat milk')).toBeVisible();
  const search = page.getByRole('searchbox', { name: 'Search tasks' });
  await search.fill('oat');
  await expect(checkbox('Buy oat milk')).toBeVisible();
  await search.fill('');
});

test('delete the task', async () => {
  await page.getByRole('button', { name: 'Delete “Buy oat milk”' }).click();
  await expect(checkbox('Buy oat milk')).toHaveCount(0);
  await expect(page.getByText('No tasks yet — add one above.')).toBeVisible();
});

test('chat "add water the plants" creates a task', async () => {
  await page.getByLabel('Message to the assistant').fill('add water the plants');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('log', { name: 'Conversation' }).getByText(/Added #\d+ water the plants/)).toBeVisible();
  await expect(checkbox('water the plants')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('task-page.png'), fullPage: true });
});

test('log out ends the session', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  expect(await sessionCookie(), 'session cookie survived logout').toBeUndefined();
});

test('with the backend down the API answers 502 and the frontend stays ready', async ({ request }) => {
  // The same production build, started with a BACKEND_URL nothing listens on.
  const orphan = url(stack().orphanFrontendPort);
  const api = await request.get(`${orphan}/api/tasks`);
  expect(api.status()).toBe(502);
  expect((await api.json()).detail).toMatch(/unreachable/i);
  const ready = await request.get(`${orphan}/api/ready`);
  expect(ready.status(), 'frontend readiness must not follow the backend down').toBe(200);
});
