import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.util.js';

describe('backoffDelay', () => {
  const backoff = { baseDelayMs: 100, maxDelayMs: 1000 };

  it('draws uniformly below an exponential bound capped at maxDelayMs (full jitter)', () => {
    expect(backoffDelay(backoff, 1, () => 0.999)).toBe(99);
    expect(backoffDelay(backoff, 3, () => 0.999)).toBe(399);
    expect(backoffDelay(backoff, 10, () => 0.999)).toBe(999);
    expect(backoffDelay(backoff, 10, () => 0)).toBe(0);
  });
});
