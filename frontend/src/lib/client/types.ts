// Shapes of the backend's JSON (see the shared API contract). Fields the UI doesn't use are
// left out on purpose; extra fields in responses are harmless.

export type User = {
  id: number | string;
  email: string;
};

export type Task = {
  id: number | string;
  title: string;
  done: boolean;
  due_date?: string | null;
  created_at?: string;
};

export type TaskPage = {
  items: Task[];
  total: number;
};

export type StatusFilter = 'all' | 'open' | 'done';

export type ChatAction = {
  type: 'created' | 'completed' | 'deleted' | 'listed';
  task: Task;
};

export type ChatReply = {
  reply: string;
  actions: ChatAction[];
  /** The user's tasks after the actions (unfiltered). */
  tasks?: Task[];
};
