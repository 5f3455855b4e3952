import { TaskApp } from '@/components/TaskApp';

// The task page. src/proxy.ts sends visitors without a session cookie to /login first.
export default function TasksPage() {
  return <TaskApp />;
}
