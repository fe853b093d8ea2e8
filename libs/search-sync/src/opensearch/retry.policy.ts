import type { Backoff } from '../utils/backoff.util.js';

/** How failed bulk items are retried: exponential backoff with full jitter, bounded in attempts and time. */
export interface RetryPolicy extends Backoff {
  /** Attempts per operation, the first included. A pushback costs none while the throttle is on. */
  readonly maxAttempts: number;
  /**
   * Time one load (a batch) may spend retrying, from its first failure, before giving up on what still
   * fails; operations pushed back are bounded by it too.
   */
  readonly maxElapsedMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxElapsedMs: 120_000,
};
