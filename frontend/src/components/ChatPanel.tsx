'use client';

import { useState, type FormEvent } from 'react';

import { ApiError } from '@/lib/client/api-client';
import { sendChatMessage } from '@/lib/client/tasks-api';

import { ErrorAlert } from './ErrorAlert';

type Message = { id: number; from: 'you' | 'assistant'; text: string };

type Props = {
  /** Called when the assistant changed tasks (e.g. "add buy milk"), so the list can refresh. */
  onTasksChanged: () => void;
  onUnauthorized: () => void;
};

export function ChatPanel({ onTasksChanged, onUnauthorized }: Props) {
  const [messages, setMessages] = useState<Message[]>([]);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setBusy(true);
    setError(null);
    setMessages((current) => [...current, { id: current.length, from: 'you', text }]);
    setDraft('');
    try {
      const answer = await sendChatMessage(text);
      setMessages((current) => [...current, { id: current.length, from: 'assistant', text: answer.reply }]);
      // "listed" only reads; anything else (created/completed/deleted) changed the list.
      if (answer.actions?.some((action) => action.type !== 'listed')) onTasksChanged();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onUnauthorized();
      setError(err instanceof ApiError ? err.message : 'The assistant is unavailable. Please try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card chat" aria-labelledby="chat-heading">
      <h2 id="chat-heading">Assistant</h2>
      <p className="muted">Try “add buy milk tomorrow”, “what is left?”, “complete 3” or “delete 3”.</p>
      <ol className="chat-log" role="log" aria-live="polite" aria-label="Conversation">
        {messages.map((message) => (
          <li key={message.id} className={`bubble ${message.from}`}>
            <span className="visually-hidden">{message.from === 'you' ? 'You:' : 'Assistant:'} </span>
            {message.text}
          </li>
        ))}
      </ol>
      <ErrorAlert message={error} />
      <form className="chat-form" onSubmit={handleSubmit}>
        <label htmlFor="chat-message" className="visually-hidden">
          Message to the assistant
        </label>
        <input
          id="chat-message"
          value={draft}
          maxLength={1000}
          placeholder="Ask the assistant…"
          autoComplete="off"
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit" className="primary" disabled={busy || !draft.trim()}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </form>
    </section>
  );
}
