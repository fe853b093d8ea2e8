import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it passes, and returns its value; past the deadline it fails with the last error.
 * The deadline only keeps a broken test from hanging the suite: it is not what the test asserts.
 */
export async function eventually<T>(
  check: () => Promise<T>,
  deadlineMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}
