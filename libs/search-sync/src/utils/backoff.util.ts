/** The bounds of an exponential backoff: the first wait's bound, and the most any wait can be. */
export interface Backoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Full jitter (a uniform wait between 0 and the exponential bound) spreads retries of many writers
 * so they do not hit a recovering node together.
 */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const bound = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * bound);
}
