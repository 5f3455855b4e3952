'use client';

import { useState, type FormEvent, type KeyboardEvent } from 'react';

import type { Task } from '@/lib/client/types';

type Props = {
  task: Task;
  onToggle: (task: Task) => Promise<void>;
  onRename: (task: Task, title: string) => Promise<boolean>;
  onDelete: (task: Task) => Promise<void>;
};

/** One row: done checkbox (named by the title), due date, and edit/delete actions. */
export function TaskItem({ task, onToggle, onRename, onDelete }: Props) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(task.title);
  const [busy, setBusy] = useState(false);
  // The checkbox flips as soon as it is clicked instead of waiting for the server round trip;
  // if the request fails it falls back to the server's state (task.done).
  const [pendingDone, setPendingDone] = useState<boolean | null>(null);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  }

  async function handleSave(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const title = draft.trim();
    if (!title || title === task.title) {
      setEditing(false);
      return;
    }
    await run(async () => {
      if (await onRename(task, title)) setEditing(false);
    });
  }

  async function handleToggle() {
    setPendingDone(!task.done);
    try {
      await run(() => onToggle(task));
    } finally {
      setPendingDone(null);
    }
  }

  function startEditing() {
    setDraft(task.title);
    setEditing(true);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Escape') setEditing(false);
  }

  if (editing) {
    const inputId = `edit-task-${task.id}`;
    return (
      <li className="task editing">
        <form className="edit-form" onSubmit={handleSave}>
          <label htmlFor={inputId} className="visually-hidden">
            New title for “{task.title}”
          </label>
          <input
            id={inputId}
            value={draft}
            maxLength={500}
            required
            autoFocus
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={handleKeyDown}
          />
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)} disabled={busy}>
            Cancel
          </button>
        </form>
      </li>
    );
  }

  return (
    <li className={(pendingDone ?? task.done) ? 'task done' : 'task'}>
      <label className="task-main">
        <input type="checkbox" checked={pendingDone ?? task.done} disabled={busy} onChange={handleToggle} />
        <span className="task-title">{task.title}</span>
      </label>
      {/* The id is how the assistant refers to tasks ("complete 3"), so show it. */}
      <span className="task-id" aria-hidden="true">
        #{task.id}
      </span>
      {task.due_date ? (
        <span className="due">
          Due <time dateTime={task.due_date}>{task.due_date}</time>
        </span>
      ) : null}
      <div className="task-actions">
        <button type="button" onClick={startEditing} disabled={busy} aria-label={`Edit “${task.title}”`}>
          Edit
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => run(() => onDelete(task))}
          disabled={busy}
          aria-label={`Delete “${task.title}”`}
        >
          Delete
        </button>
      </div>
    </li>
  );
}
