import { describe, expect, it } from 'vitest';

import { describeApiError } from '@/lib/client/error-message';

describe('describeApiError', () => {
  it('shows a string detail as is', () => {
    expect(describeApiError({ detail: 'Task not found' }, 404)).toBe('Task not found');
  });

  it('names the field for each 422 validation problem', () => {
    const body = {
      detail: [
        { loc: ['body', 'title'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 'due_date'], msg: 'Input should be a valid date', type: 'date_parsing' },
      ],
    };
    expect(describeApiError(body, 422)).toBe('Title: Field required. Due date: Input should be a valid date.');
  });

  it('falls back to a generic message with the status code', () => {
    expect(describeApiError(null, 500)).toBe('Request failed (HTTP 500). Please try again.');
    expect(describeApiError({}, 401)).toBe('Your session has expired. Please log in again.');
  });
});
