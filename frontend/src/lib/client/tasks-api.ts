import { apiRequest } from './api-client';
import type { ChatMessage, ChatReply, NewTask, StatusFilter, Task, TaskChanges, TaskPage } from './types';

// One function per backend operation the task page uses, so components never build URLs.

// Enough for a personal list on one screen; the page says so when more exist.
export const TASK_PAGE_SIZE = 100;

export function listTasks(filter: StatusFilter, search: string): Promise<TaskPage> {
  const params = new URLSearchParams({ limit: String(TASK_PAGE_SIZE), offset: '0' });
  if (filter !== 'all') params.set('status', filter);
  if (search.trim()) params.set('q', search.trim());
  return apiRequest<TaskPage>(`/api/tasks?${params}`);
}

export function createTask(title: string, dueDate?: string): Promise<Task> {
  return apiRequest<Task>('/api/tasks', {
    method: 'POST',
    body: (dueDate ? { title, due_date: dueDate } : { title }) satisfies NewTask,
  });
}

export function updateTask(id: Task['id'], changes: TaskChanges): Promise<Task> {
  return apiRequest<Task>(`/api/tasks/${encodeURIComponent(String(id))}`, { method: 'PATCH', body: changes });
}

export function deleteTask(id: Task['id']): Promise<void> {
  return apiRequest<void>(`/api/tasks/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

export function sendChatMessage(message: string, now: Date = new Date()): Promise<ChatReply> {
  // The user's local date, so "tomorrow" means their tomorrow rather than the server's (UTC).
  return apiRequest<ChatReply>('/api/chat', { method: 'POST', body: { message, today: localIsoDate(now) } satisfies ChatMessage });
}

function localIsoDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
