'use client';

import { useState, type FormEvent } from 'react';

type Props = {
  /** Resolves true when the task was created, so the form only clears on success. */
  onAdd: (title: string, dueDate?: string) => Promise<boolean>;
};

export function AddTaskForm({ onAdd }: Props) {
  const [title, setTitle] = useState('');
  const [dueDate, setDueDate] = useState('');
  const [busy, setBusy] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!title.trim()) return;
    setBusy(true);
    const created = await onAdd(title.trim(), dueDate || undefined);
    setBusy(false);
    if (created) {
      setTitle('');
      setDueDate('');
    }
  }

  return (
    <form className="add-task" onSubmit={handleSubmit} aria-label="Add a task">
      <div className="field grow">
        <label htmlFor="new-task-title">New task</label>
        <input
          id="new-task-title"
          value={title}
          required
          maxLength={500}
          placeholder="What needs doing?"
          onChange={(event) => setTitle(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="new-task-due">Due date (optional)</label>
        <input id="new-task-due" type="date" value={dueDate} onChange={(event) => setDueDate(event.target.value)} />
      </div>
      <button type="submit" className="primary" disabled={busy || !title.trim()}>
        Add task
      </button>
    </form>
  );
}
