/** How failed bulk items are retried: exponential backoff with full jitter, bounded in attempts and time. */
export interface RetryPolicy {
  /** Attempts per operation, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Total time spent retrying one batch before giving up on what still fails. */
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
