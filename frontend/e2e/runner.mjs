// A tiny sequential test runner: the journey's steps depend on each other (you can't delete a
// task you failed to add), so after the first failure the rest are reported as skipped.

export function createRunner() {
  const results = [];
  let failed = false;

  return {
    async step(name, fn) {
      if (failed) {
        results.push({ name, status: 'skipped' });
        console.log(`- skip ${name}`);
        return;
      }
      const started = Date.now();
      try {
        await fn();
        results.push({ name, status: 'passed' });
        console.log(`✓ ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed = true;
        results.push({ name, status: 'failed', error });
        console.log(`✗ ${name}\n    ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n    ')}`);
      }
    },
    get failed() {
      return failed;
    },
    summary() {
      const count = (status) => results.filter((r) => r.status === status).length;
      const skipped = count('skipped');
      return `${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`;
    },
  };
}

/** Retries `check` until it stops throwing, like Playwright Test's expect.poll. */
export async function eventually(check, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}
