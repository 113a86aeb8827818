import { expect } from 'vitest';

/** Expects `fn` to fail with a message matching `pattern`, whether it throws at once or rejects. */
export async function expectFailure(fn: () => unknown, pattern: RegExp): Promise<void> {
  let error: unknown = null;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected an error matching ${pattern}`).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(pattern);
}
