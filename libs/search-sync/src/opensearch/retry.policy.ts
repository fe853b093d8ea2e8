/** How failed bulk items are retried: exponential backoff with full jitter, bounded in attempts and time. */
export interface RetryPolicy {
  /** Attempts per operation, the first included. A pushback costs none while the throttle is on. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
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

/**
 * Full jitter (a uniform wait between 0 and the exponential bound) spreads retries of many writers
 * so they do not hit a recovering node together.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * bound);
}
