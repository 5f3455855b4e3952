// Adds toBeInTheDocument()/toBeChecked()… and unmounts rendered trees between tests.
import '@testing-library/jest-dom/vitest';

import { cleanup } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

import { routerMock } from './router-mock';

vi.mock('next/navigation', () => ({
  useRouter: () => routerMock,
  usePathname: () => '/',
  useSearchParams: () => new URLSearchParams(),
}));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  for (const spy of Object.values(routerMock)) spy.mockClear();
});
