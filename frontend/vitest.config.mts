import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

const src = fileURLToPath(new URL('./src', import.meta.url));

// Two projects because the code under test runs in two places: components in a browser (jsdom),
// route handlers and the proxy on the Node server (real fetch, real loopback sockets).
export default defineConfig({
  resolve: { alias: { '@': src } },
  // React 17+ automatic runtime, matching tsconfig's "jsx": "react-jsx" (no `import React` needed).
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    globals: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'components',
          environment: 'jsdom',
          include: ['tests/components/**/*.test.tsx'],
          setupFiles: ['tests/support/setup-dom.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/server/**/*.test.ts', 'tests/lib/**/*.test.ts'],
        },
      },
    ],
  },
});
