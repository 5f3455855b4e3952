import { vi } from 'vitest';

// Stand-in for next/navigation's router: component tests run outside a Next.js app, and what
// matters to the user is where they are sent (e.g. /login after a 401), which these spies record.
export const routerMock = {
  push: vi.fn(),
  replace: vi.fn(),
  refresh: vi.fn(),
  back: vi.fn(),
  forward: vi.fn(),
  prefetch: vi.fn(),
};
