import type { Task } from '@/lib/client/types';

import { TaskItem } from './TaskItem';

type Props = {
  tasks: Task[];
  total: number;
  loading: boolean;
  filtered: boolean;
  onToggle: (task: Task) => Promise<void>;
  onRename: (task: Task, title: string) => Promise<boolean>;
  onDelete: (task: Task) => Promise<void>;
};

export function TaskList({ tasks, total, loading, filtered, ...actions }: Props) {
  return (
    <div aria-busy={loading}>
      {tasks.length === 0 && !loading ? (
        <p className="empty">{filtered ? 'No tasks match this filter.' : 'No tasks yet — add one above.'}</p>
      ) : (
        <ul className="task-list" aria-label="Tasks">
          {tasks.map((task) => (
            <TaskItem key={task.id} task={task} {...actions} />
          ))}
        </ul>
      )}
      {/* role=status: screen readers hear the count change after filtering or editing. */}
      <p role="status" className="muted">
        {loading ? 'Loading tasks…' : countText(tasks.length, total)}
      </p>
    </div>
  );
}

function countText(shown: number, total: number): string {
  const noun = total === 1 ? 'task' : 'tasks';
  return shown < total ? `Showing ${shown} of ${total} ${noun}` : `${total} ${noun}`;
}
