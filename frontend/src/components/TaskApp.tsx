'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';

import { ApiError } from '@/lib/client/api-client';
import { currentUser } from '@/lib/client/auth-api';
import { createTask, deleteTask, listTasks, updateTask } from '@/lib/client/tasks-api';
import type { StatusFilter, Task, TaskPage, User } from '@/lib/client/types';
import { useDebouncedValue } from '@/lib/client/use-debounced-value';

import { AddTaskForm } from './AddTaskForm';
import { ChatPanel } from './ChatPanel';
import { ErrorAlert } from './ErrorAlert';
import { LogoutButton } from './LogoutButton';
import { TaskFilters } from './TaskFilters';
import { TaskList } from './TaskList';

const SEARCH_DEBOUNCE_MS = 250;

function replaceTask(items: Task[], updated: Task): Task[] {
  return items.map((item) => (item.id === updated.id ? updated : item));
}

/** The task page: owns the list state and turns every user action into one API call. */
export function TaskApp() {
  const router = useRouter();
  // An expired/invalid session: the API proxy has already cleared the cookie, so send the user
  // to log in again rather than showing a page of errors.
  const goToLogin = useCallback(() => router.replace('/login'), [router]);
  const [user, setUser] = useState<User | null>(null);
  const [filter, setFilter] = useState<StatusFilter>('all');
  const [search, setSearch] = useState('');
  const debouncedSearch = useDebouncedValue(search, SEARCH_DEBOUNCE_MS);
  // Bumped after every change so the list is re-read from the server, which owns filtering.
  const [version, setVersion] = useState(0);
  const [loaded, setLoaded] = useState<{ key: string; page: TaskPage } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const queryKey = `${filter}\u0000${debouncedSearch}\u0000${version}`;
  const loading = loaded?.key !== queryKey;
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  const reportError = useCallback((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) return goToLogin();
    setError(err instanceof ApiError ? err.message : 'Something went wrong. Please try again.');
  }, [goToLogin]);

  useEffect(() => {
    currentUser().then(setUser, reportError);
  }, [reportError]);

  useEffect(() => {
    // Ignore answers to superseded queries so fast typing can't show stale results.
    let current = true;
    listTasks(filter, debouncedSearch).then(
      (page) => {
        if (!current) return;
        setLoaded({ key: queryKey, page });
        setError(null);
      },
      (err) => current && reportError(err),
    );
    return () => {
      current = false;
    };
  }, [filter, debouncedSearch, queryKey, reportError]);

  // Wraps a mutation: clear the old error, run it, show its result at once, then re-read the
  // list (the server decides whether the changed task still matches the filter); report failure.
  async function mutate<T>(action: () => Promise<T>, applyLocally?: (items: Task[], result: T) => Task[]): Promise<boolean> {
    setError(null);
    try {
      const result = await action();
      if (applyLocally) {
        setLoaded((current) => current && { ...current, page: { ...current.page, items: applyLocally(current.page.items, result) } });
      }
      reload();
      return true;
    } catch (err) {
      reportError(err);
      return false;
    }
  }

  const page = loaded?.page ?? { items: [], total: 0 };

  return (
    <div className="app">
      <header className="topbar">
        <h1>Todo</h1>
        <div className="account">
          {user ? <span className="muted">Signed in as {user.email}</span> : null}
          <LogoutButton />
        </div>
      </header>
      <div className="columns">
        <main className="card tasks" aria-labelledby="tasks-heading">
          <h2 id="tasks-heading">Tasks</h2>
          <AddTaskForm onAdd={(title, dueDate) => mutate(() => createTask(title, dueDate))} />
          <TaskFilters filter={filter} search={search} onFilterChange={setFilter} onSearchChange={setSearch} />
          <ErrorAlert message={error} />
          <TaskList
            tasks={page.items}
            total={page.total}
            loading={loading}
            filtered={filter !== 'all' || debouncedSearch.trim() !== ''}
            onToggle={async (task: Task) => {
              await mutate(() => updateTask(task.id, { done: !task.done }), replaceTask);
            }}
            onRename={(task, title) => mutate(() => updateTask(task.id, { title }), replaceTask)}
            onDelete={async (task) => {
              await mutate(() => deleteTask(task.id), (items) => items.filter((item) => item.id !== task.id));
            }}
          />
        </main>
        <aside className="chat-column">
          <ChatPanel onTasksChanged={reload} onUnauthorized={goToLogin} />
        </aside>
      </div>
    </div>
  );
}
