import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { AuthForm } from '@/components/AuthForm';

import { routerMock } from '../support/router-mock';

function stubFetch(status: number, body: unknown) {
  const fetchSpy = vi.fn<typeof fetch>(async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );
  vi.stubGlobal('fetch', fetchSpy);
  return fetchSpy;
}

async function submit(email: string, password: string, buttonName: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('E-mail'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: buttonName }));
}

describe('auth forms', () => {
  it('logs in through the frontend route and goes to the task page', async () => {
    const fetchSpy = stubFetch(200, { user: { id: 1, email: 'ada@example.com' } });
    render(<AuthForm mode="login" />);

    await submit('ada@example.com', 'correct horse', 'Log in');

    await waitFor(() => expect(routerMock.replace).toHaveBeenCalledWith('/'));
    const [url, init] = fetchSpy.mock.calls[0];
    expect(url).toBe('/api/auth/login');
    expect(JSON.parse(String(init?.body))).toEqual({ email: 'ada@example.com', password: 'correct horse' });
  });

  it('signs up through the frontend route', async () => {
    const fetchSpy = stubFetch(201, { user: { id: 2, email: 'bob@example.com' } });
    render(<AuthForm mode="signup" />);

    await submit('bob@example.com', 'long enough pw', 'Sign up');

    await waitFor(() => expect(routerMock.replace).toHaveBeenCalledWith('/'));
    expect(fetchSpy.mock.calls[0][0]).toBe('/api/auth/signup');
  });

  it('shows the backend error and stays on the page', async () => {
    stubFetch(401, { detail: 'Incorrect e-mail or password' });
    render(<AuthForm mode="login" />);

    await submit('ada@example.com', 'wrong', 'Log in');

    expect(await screen.findByRole('alert')).toHaveTextContent('Incorrect e-mail or password');
    expect(routerMock.replace).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Log in' })).toBeEnabled();
  });

  it('links between log in and sign up', () => {
    render(<AuthForm mode="login" />);
    expect(screen.getByRole('link', { name: 'Sign up' })).toHaveAttribute('href', '/signup');
  });
});
