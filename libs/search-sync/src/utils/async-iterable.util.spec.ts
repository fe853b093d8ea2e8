import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapOrdered } from './async-iterable.util.js';

/** A promise with its resolve and reject, to decide from the test when a call ends. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A source of `items` that records how many it was asked for. */
function counted<T>(items: readonly T[], failAt?: number) {
  const log = { pulled: 0, returned: false };
  async function* source() {
    try {
      for (let i = 0; i < items.length; i++) {
        if (i === failAt) throw new Error(`source failed at ${i}`);
        log.pulled++;
        yield items[i];
      }
    } finally {
      log.returned = true;
    }
  }
  return { source: source(), log };
}

describe('mapOrdered', () => {
  it('yields in source order with at most `limit` calls running, whatever order they end in', async () => {
    let running = 0;
    let most = 0;
    const delays = [30, 5, 20, 1, 10, 2];
    const { source } = counted(delays.map((delay, i) => ({ delay, i })));
    const results: number[] = [];
    for await (const i of mapOrdered(source, 2, async ({ delay, i }) => {
      most = Math.max(most, ++running);
      await sleep(delay);
      running--;
      return i;
    })) {
      results.push(i);
    }
    expect(results).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('reads one item ahead and starts it the moment a call ends, while the consumer is still busy', async () => {
    const calls = [deferred<string>(), deferred<string>(), deferred<string>()];
    const started: number[] = [];
    const { source, log } = counted([0, 1, 2]);
    const mapped = mapOrdered(source, 1, (i: number) => {
      started.push(i);
      return calls[i].promise;
    });
    const first = mapped.next();
    await sleep(5);
    // One call in flight, and the next item already read while it runs.
    expect(started).toEqual([0]);
    expect(log.pulled).toBe(2);
    calls[0].resolve('a');
    expect(await first).toEqual({ done: false, value: 'a' });
    // The consumer has not asked for more (it would be committing 'a'): item 1 is loading all the same.
    await sleep(5);
    expect(started).toEqual([0, 1]);
    expect(log.pulled).toBe(3);
    calls[1].resolve('b');
    calls[2].resolve('c');
    const rest: string[] = [];
    for await (const value of mapped) rest.push(value);
    expect(rest).toEqual(['b', 'c']);
  });

  it('fails at the failed call, after the results before it', async () => {
    const { source } = counted([0, 1, 2, 3]);
    const results: number[] = [];
    const run = async () => {
      for await (const i of mapOrdered(source, 2, async (i: number) => {
        if (i === 2) throw new Error('call 2 failed');
        await sleep(5);
        return i;
      })) {
        results.push(i);
      }
    };
    await expect(run()).rejects.toThrow('call 2 failed');
    expect(results).toEqual([0, 1]);
  });

  it('fails when the source fails, once the results read before it are handed on', async () => {
    const { source } = counted([0, 1, 2, 3], 2);
    const results: number[] = [];
    const run = async () => {
      for await (const i of mapOrdered(source, 2, async (i: number) => {
        await sleep(10);
        return i;
      })) {
        results.push(i);
      }
    };
    await expect(run()).rejects.toThrow('source failed at 2');
    expect(results).toEqual([0, 1]);
  });

  it('closes the source when the consumer stops early', async () => {
    const { source, log } = counted([0, 1, 2, 3, 4, 5]);
    for await (const i of mapOrdered(source, 2, async (i: number) => i)) {
      if (i === 1) break;
    }
    expect(log.returned).toBe(true);
    expect(log.pulled).toBeLessThan(6);
  });
});
