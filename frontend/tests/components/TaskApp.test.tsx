import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { TaskApp } from '@/components/TaskApp';

import { createFakeApi } from '../support/fake-api';
import { routerMock } from '../support/router-mock';

function renderWithApi(tasks: Parameters<typeof createFakeApi>[0] = []) {
  const api = createFakeApi(tasks);
  vi.stubGlobal('fetch', api.fetch);
  const user = userEvent.setup();
  render(<TaskApp />);
  return { api, user };
}

const taskList = () => screen.getByRole('list', { name: 'Tasks' });

describe('task list', () => {
  it('shows the signed-in user and their tasks', async () => {
    renderWithApi([{ title: 'Buy milk' }, { title: 'Walk the dog', done: true }]);

    expect(await screen.findByRole('checkbox', { name: 'Buy milk' })).not.toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Walk the dog' })).toBeChecked();
    expect(screen.getByText('Signed in as ada@example.com')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('2 tasks');
  });

  it('adds a task with an optional due date and clears the form', async () => {
    const { api, user } = renderWithApi();
    await screen.findByText('No tasks yet — add one above.');

    await user.type(screen.getByLabelText('New task'), 'Write report');
    await user.type(screen.getByLabelText('Due date (optional)'), '2030-01-31');
    await user.click(screen.getByRole('button', { name: 'Add task' }));

    expect(await screen.findByRole('checkbox', { name: 'Write report' })).toBeInTheDocument();
    expect(within(taskList()).getByText('2030-01-31')).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/tasks')[0].body).toEqual({ title: 'Write report', due_date: '2030-01-31' });
    expect(screen.getByLabelText('New task')).toHaveValue('');
  });

  it('marks a task done and open again', async () => {
    const { api, user } = renderWithApi([{ title: 'Buy milk' }]);
    const checkbox = await screen.findByRole('checkbox', { name: 'Buy milk' });

    await user.click(checkbox);
    await waitFor(() => expect(screen.getByRole('checkbox', { name: 'Buy milk' })).toBeChecked());
    await user.click(screen.getByRole('checkbox', { name: 'Buy milk' }));
    await waitFor(() => expect(screen.getByRole('checkbox', { name: 'Buy milk' })).not.toBeChecked());

    expect(api.callsTo('PATCH', '/api/tasks/1').map((call) => call.body)).toEqual([{ done: true }, { done: false }]);
  });

  it('edits a title inline; Escape cancels without saving', async () => {
    const { api, user } = renderWithApi([{ title: 'Buy milk' }]);
    await user.click(await screen.findByRole('button', { name: 'Edit “Buy milk”' }));
    await user.keyboard('{Escape}');
    expect(screen.getByRole('checkbox', { name: 'Buy milk' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Edit “Buy milk”' }));
    const input = screen.getByLabelText('New title for “Buy milk”');
    await user.clear(input);
    await user.type(input, 'Buy oat milk');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('checkbox', { name: 'Buy oat milk' })).toBeInTheDocument();
    expect(api.callsTo('PATCH', '/api/tasks/1').map((call) => call.body)).toEqual([{ title: 'Buy oat milk' }]);
  });

  it('deletes a task', async () => {
    const { api, user } = renderWithApi([{ title: 'Buy milk' }, { title: 'Call mum' }]);
    await user.click(await screen.findByRole('button', { name: 'Delete “Buy milk”' }));

    await waitFor(() => expect(screen.queryByRole('checkbox', { name: 'Buy milk' })).not.toBeInTheDocument());
    expect(screen.getByRole('checkbox', { name: 'Call mum' })).toBeInTheDocument();
    expect(api.callsTo('DELETE', '/api/tasks/1')).toHaveLength(1);
  });

  it('filters by status on the server', async () => {
    const { api, user } = renderWithApi([{ title: 'Buy milk' }, { title: 'Walk the dog', done: true }]);
    await screen.findByRole('checkbox', { name: 'Buy milk' });

    await user.click(screen.getByRole('radio', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('checkbox', { name: 'Buy milk' })).not.toBeInTheDocument());
    expect(screen.getByRole('checkbox', { name: 'Walk the dog' })).toBeInTheDocument();
    expect(api.calls.at(-1)?.query.get('status')).toBe('done');

    await user.click(screen.getByRole('radio', { name: 'Open' }));
    expect(await screen.findByRole('checkbox', { name: 'Buy milk' })).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: 'Walk the dog' })).not.toBeInTheDocument();
  });

  it('searches by title', async () => {
    const { api, user } = renderWithApi([{ title: 'Buy milk' }, { title: 'Walk the dog' }]);
    await screen.findByRole('checkbox', { name: 'Buy milk' });

    await user.type(screen.getByRole('searchbox', { name: 'Search tasks' }), 'dog');

    await waitFor(() => expect(screen.queryByRole('checkbox', { name: 'Buy milk' })).not.toBeInTheDocument());
    expect(screen.getByRole('checkbox', { name: 'Walk the dog' })).toBeInTheDocument();
    expect(api.callsTo('GET', '/api/tasks').at(-1)?.query.get('q')).toBe('dog');
  });

  it('shows backend validation errors and keeps what the user typed', async () => {
    const { api, user } = renderWithApi();
    await screen.findByText('No tasks yet — add one above.');
    api.failNext(422, {
      detail: [{ loc: ['body', 'title'], msg: 'String should have at most 200 characters', type: 'string_too_long' }],
    });

    await user.type(screen.getByLabelText('New task'), 'Too long');
    await user.click(screen.getByRole('button', { name: 'Add task' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Title: String should have at most 200 characters.');
    expect(screen.getByLabelText('New task')).toHaveValue('Too long');
  });

  it('shows a clear message when the backend is unreachable', async () => {
    const api = createFakeApi();
    // Both initial requests (who am I, list tasks) hit the outage.
    api.failNext(502, { detail: 'The backend service is unreachable right now. Please try again in a moment.' }, 2);
    vi.stubGlobal('fetch', api.fetch);
    render(<TaskApp />);

    expect(await screen.findByRole('alert')).toHaveTextContent('The backend service is unreachable right now.');
  });

  it('sends the user to log in when the session has expired', async () => {
    const api = createFakeApi();
    api.failNext(401, { detail: 'Not authenticated' });
    vi.stubGlobal('fetch', api.fetch);
    render(<TaskApp />);

    await waitFor(() => expect(routerMock.replace).toHaveBeenCalledWith('/login'));
  });
});
