import { setTimeout as sleep } from 'node:timers/promises';
import { errors } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import type { LoaderEvent } from '../events/sync-event.interface.js';
import { isPushback } from './bulk.classify.js';
import { BulkLoader } from './bulk.loader.js';
import { fakeClient, ops } from './bulk-client.test-fixture.js';

const fastRetry = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxElapsedMs: 10_000 };

const tooManyRequests = () =>
  new errors.ResponseError({
    body: { error: { type: 'rejected_execution_exception', reason: 'write queue full' } },
    statusCode: 429,
    headers: {},
    meta: {} as never,
    warnings: null,
  });

describe('BulkLoader under pushback', () => {
  it('sends fewer and smaller requests while the cluster pushes back, then recovers to its bounds', async () => {
    let calls = 0;
    const { client, requests } = fakeClient(async (o) => {
      const call = ++calls;
      await sleep(1);
      return o.map(() => (call <= 8 ? 429 : 201));
    });
    const events: LoaderEvent[] = [];
    const loader = new BulkLoader(
      client,
      {
        concurrency: 4,
        maxOperations: 100,
        retry: fastRetry,
        throttle: { minOperations: 10, increaseAfter: 1 },
      },
      () => 0.5,
      (event) => events.push(event),
    );
    const result = await loader.load(ops(3000));

    // Every operation got in once, though each of the first requests was pushed back whole more
    // often than maxAttempts allows: pushback cost no attempt.
    expect(result.deadLetters).toEqual([]);
    expect(result.stats.succeeded).toBe(3000);
    expect(result.stats.retriedItems).toBe(0);
    expect(result.stats.throttledItems).toBe(
      requests.slice(0, 8).reduce((n, request) => n + request.length, 0),
    );
    const paces = events.flatMap((e) => (e.type === 'bulk-throttle' ? [e] : []));
    const lowest = paces.reduce((a, b) => (b.operations < a.operations ? b : a));
    expect(lowest).toMatchObject({ direction: 'down', concurrency: 1, operations: 10 });
    expect(paces.slice(0, paces.indexOf(lowest) + 1).every((p) => p.direction === 'down')).toBe(true);
    expect(paces.slice(paces.indexOf(lowest) + 1).every((p) => p.direction === 'up')).toBe(true);
    expect(paces.at(-1)).toMatchObject({ concurrency: 4, operations: 100 });
    // The client saw it: the smallest requests at the floor, full ones again at the end.
    expect(Math.min(...requests.map((r) => r.length))).toBe(10);
    expect(requests.at(-2)?.length).toBe(100);
  });

  it('never has more requests in flight than the throttle allows', async () => {
    let calls = 0;
    let allowed = 3;
    let lowest = 3;
    let exceeded = false;
    const { client, load } = fakeClient(async (o) => {
      const call = ++calls;
      if (load.inFlight > allowed) exceeded = true;
      await sleep(2);
      return o.map(() => (call % 5 === 0 ? 429 : 201));
    });
    const loader = new BulkLoader(
      client,
      { concurrency: 3, maxOperations: 20, retry: fastRetry, throttle: { increaseAfter: 2 } },
      Math.random,
      (event) => {
        if (event.type !== 'bulk-throttle') return;
        allowed = event.concurrency;
        lowest = Math.min(lowest, allowed);
      },
    );
    // Checked as each request starts: a limit lowered while requests are in flight lets them finish,
    // and holds back only the next.
    const result = await loader.load(ops(2000));
    expect(result.stats.succeeded).toBe(2000);
    expect(lowest).toBe(1);
    expect(load.mostInFlight).toBeLessThanOrEqual(3);
    expect(exceeded).toBe(false);
  });

  it('counts a whole request answered 429 as pushback: it costs its operations no attempt', async () => {
    let calls = 0;
    const { client, requests } = fakeClient((o) => (++calls <= 3 ? tooManyRequests() : o.map(() => 201)));
    const events: LoaderEvent[] = [];
    const result = await new BulkLoader(client, { retry: fastRetry }, Math.random, (e) =>
      events.push(e),
    ).load(ops(10));
    expect(requests).toHaveLength(4);
    expect(result.stats).toMatchObject({ succeeded: 10, retriedItems: 0, throttledItems: 30 });
    expect(events.filter((e) => e.type === 'bulk-pushback')).toHaveLength(3);
    expect(events.some((e) => e.type === 'bulk-retry')).toBe(false);
  });

  it('gives up on pushback after the retry time budget: a dead letter, or a failed load if nothing got in', async () => {
    const budget = { ...fastRetry, maxElapsedMs: 300 };
    const stubborn = fakeClient((o) => o.map((op) => (op.id === '2' ? 429 : 201)));
    const result = await new BulkLoader(stubborn.client, { retry: budget }).load(ops(4));
    expect(stubborn.requests.length).toBeGreaterThan(budget.maxAttempts);
    expect(result.deadLetters).toMatchObject([
      { documentId: '2', errorType: 'retries_exhausted', statusCode: 429, attempts: 1 },
    ]);
    const saturated = fakeClient((o) => o.map(() => 429));
    await expect(new BulkLoader(saturated.client, { retry: budget }).load(ops(4))).rejects.toThrow(
      ClusterUnavailableError,
    );
  });

  it('sends nothing more once halted, and leaves no request unanswered', async () => {
    const halt = new AbortController();
    const { client, requests } = fakeClient(async (o) => {
      halt.abort(new Error('lease lost'));
      await sleep(5);
      return o.map(() => 201);
    });
    const loader = new BulkLoader(client, { concurrency: 1, maxOperations: 10 });
    await expect(loader.load(ops(50), halt.signal)).rejects.toThrow('lease lost');
    expect(requests).toHaveLength(1);
  });

  it('takes a 429 or a rejected execution for pushback, and nothing else', () => {
    const retryable = (status: number, errorType: string) =>
      ({ kind: 'retryable', status, errorType, reason: '' }) as const;
    expect(isPushback(retryable(429, 'injected'))).toBe(true);
    expect(isPushback(retryable(503, 'es_rejected_execution_exception'))).toBe(true);
    expect(isPushback(retryable(503, 'rejected_execution_exception'))).toBe(true);
    expect(isPushback(retryable(503, 'unavailable_shards_exception'))).toBe(false);
    expect(
      isPushback({ kind: 'rejected', status: 400, errorType: 'mapper_parsing_exception', reason: '' }),
    ).toBe(false);
  });
});
