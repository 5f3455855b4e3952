'use client';

import type { StatusFilter } from '@/lib/client/types';

const OPTIONS: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'open', label: 'Open' },
  { value: 'done', label: 'Done' },
];

type Props = {
  filter: StatusFilter;
  search: string;
  onFilterChange: (filter: StatusFilter) => void;
  onSearchChange: (search: string) => void;
};

/** Status radio group plus a search box; both narrow the list on the server. */
export function TaskFilters({ filter, search, onFilterChange, onSearchChange }: Props) {
  return (
    <div className="filters">
      <fieldset className="segmented">
        <legend>Show</legend>
        {OPTIONS.map((option) => (
          <label key={option.value} className={filter === option.value ? 'selected' : undefined}>
            <input
              type="radio"
              name="status-filter"
              value={option.value}
              checked={filter === option.value}
              onChange={() => onFilterChange(option.value)}
            />
            {option.label}
          </label>
        ))}
      </fieldset>
      <div className="field grow">
        <label htmlFor="task-search">Search tasks</label>
        <input
          id="task-search"
          type="search"
          value={search}
          placeholder="Search by title"
          onChange={(event) => onSearchChange(event.target.value)}
        />
      </div>
    </div>
  );
}
