import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { TaskApp } from '@/components/TaskApp';

import { createFakeApi } from '../support/fake-api';

describe('chat panel', () => {
  it('shows the conversation and refreshes the list when the assistant adds a task', async () => {
    const api = createFakeApi();
    vi.stubGlobal('fetch', api.fetch);
    const user = userEvent.setup();
    render(<TaskApp />);
    await screen.findByText('No tasks yet — add one above.');

    await user.type(screen.getByLabelText('Message to the assistant'), 'add buy bread');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    const log = screen.getByRole('log', { name: 'Conversation' });
    await waitFor(() => expect(log).toHaveTextContent('Assistant: Added #1 buy bread.'));
    expect(log).toHaveTextContent('You: add buy bread');
    expect(await screen.findByRole('checkbox', { name: 'buy bread' })).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/chat')[0].body).toEqual({ message: 'add buy bread', today: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(screen.getByLabelText('Message to the assistant')).toHaveValue('');
  });

  it('shows an error when the assistant fails', async () => {
    const api = createFakeApi();
    vi.stubGlobal('fetch', api.fetch);
    const user = userEvent.setup();
    render(<TaskApp />);
    await screen.findByText('No tasks yet — add one above.');

    api.failNext(503, { detail: 'Chat is not configured: COHERE_API_KEY is missing.' });
    await user.type(screen.getByLabelText('Message to the assistant'), 'hello');
    await user.click(screen.getByRole('button', { name: 'Send' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Chat is not configured: COHERE_API_KEY is missing.');
  });
});
