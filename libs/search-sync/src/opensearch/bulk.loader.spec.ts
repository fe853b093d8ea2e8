import { errors } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import type { LoaderEvent } from '../events/sync-event.interface.js';
import type { IndexOperation } from '../pipeline/pipeline.interface.js';
import { BulkLoader } from './bulk.loader.js';
import { fakeClient, ops } from './bulk-client.test-fixture.js';

const fastRetry = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2, maxElapsedMs: 1000 };

describe('BulkLoader', () => {
  it('splits requests by operation count and by bytes, and sends the row version as external version', async () => {
    const { client, requests } = fakeClient((o) => o.map(() => 201));
    const byCount = await new BulkLoader(client, { maxOperations: 4 }).load(ops(10));
    expect(requests.map((r) => r.length)).toEqual([4, 4, 2]);
    expect(byCount.stats.succeeded).toBe(10);
    expect(requests[0][1]).toEqual({ action: 'index', id: '1', version: 101 });
    requests.length = 0;
    await new BulkLoader(client, { maxBytes: 600 }).load(ops(10));
    expect(requests.every((r) => r.length <= 3)).toBe(true);
    expect(requests.flat()).toHaveLength(10);
  });

  it('counts the bytes it sends exactly, and resends the same lines on retry', async () => {
    let call = 0;
    const { client, bodies } = fakeClient((o) => {
      call++;
      return o.map((op) => (call === 1 && op.id === 'é1' ? 503 : 201));
    });
    const operations: IndexOperation[] = [
      {
        version: 1,
        index: 'idx',
        id: 'é1',
        action: 'index',
        rowVersion: 7,
        keyField: 3,
        document: { t: 'ü€😀' },
      },
      { version: 1, index: 'idx', id: 'x2', action: 'index', rowVersion: 8, document: {} },
      { version: 1, index: 'idx', id: 'x3', action: 'delete', rowVersion: 9 },
    ];
    const result = await new BulkLoader(client, { retry: fastRetry }).load(operations);
    expect(result.stats.bytes).toBe(bodies.reduce((n, body) => n + Buffer.byteLength(body), 0));
    const lines = bodies[0]
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[1]).toEqual({ search_sync: { version: 7, key: 3 }, t: 'ü€😀' });
    expect(lines[3]).toEqual({ search_sync: { version: 8 } });
    expect(bodies[1]).toBe(`${bodies[0].split('\n').slice(0, 2).join('\n')}\n`);
    expect(result.stats).toMatchObject({ succeeded: 3, retriedItems: 1 });
  });

  it('counts 409 as already newer and a missing delete as done', async () => {
    const { client } = fakeClient((o) => o.map((op) => (op.action === 'delete' ? 404 : 409)));
    const result = await new BulkLoader(client).load([...ops(2), ...ops(3, 'delete')]);
    expect(result.deadLetters).toEqual([]);
    expect(result.stats).toMatchObject({ alreadyNewer: 2, alreadyDeleted: 3 });
  });

  it('sends again only the items answered 429 or 503, and dead-letters a mapping error at once', async () => {
    let call = 0;
    const { client, requests } = fakeClient((o) => {
      call++;
      return o.map((op) =>
        op.id === '1' ? 400 : call === 1 && Number(op.id) % 2 === 0 ? (op.id === '0' ? 429 : 503) : 201,
      );
    });
    const result = await new BulkLoader(client, { retry: fastRetry }).load(ops(6));
    expect(requests[1].map((r) => r.id)).toEqual(['0', '2', '4']);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]).toMatchObject({
      documentId: '1',
      statusCode: 400,
      errorType: 'type_400',
      attempts: 1,
    });
    // The 429 is pushback: sent again without costing an attempt, and counted apart from the retries.
    expect(result.stats).toMatchObject({ succeeded: 5, retriedItems: 2, throttledItems: 1, rejected: 1 });
  });

  it('dead-letters items still failing when retries run out, if the cluster answers otherwise', async () => {
    const { client, requests } = fakeClient((o) => o.map((op) => (op.id === '2' ? 503 : 201)));
    const result = await new BulkLoader(client, { retry: fastRetry }).load(ops(4));
    expect(requests).toHaveLength(4);
    expect(result.deadLetters).toMatchObject([
      { documentId: '2', errorType: 'retries_exhausted', attempts: 4, statusCode: 503 },
    ]);
    // With the throttle off, a 429 is a transient failure like any other: it costs attempts.
    const pushing = fakeClient((o) => o.map((op) => (op.id === '2' ? 429 : 201)));
    const unthrottled = await new BulkLoader(pushing.client, {
      retry: fastRetry,
      throttle: { enabled: false },
    }).load(ops(4));
    expect(pushing.requests).toHaveLength(4);
    expect(unthrottled.deadLetters).toMatchObject([
      { documentId: '2', errorType: 'retries_exhausted', attempts: 4, statusCode: 429 },
    ]);
    expect(unthrottled.stats).toMatchObject({ retriedItems: 3, throttledItems: 0 });
  });

  it('fails the whole load when the cluster cannot be reached, instead of dead-lettering', async () => {
    const { client } = fakeClient(
      () => new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9', null as never),
    );
    await expect(new BulkLoader(client, { retry: fastRetry }).load(ops(3))).rejects.toBeInstanceOf(
      ClusterUnavailableError,
    );
    const allRejected = fakeClient((o) => o.map(() => 503));
    await expect(new BulkLoader(allRejected.client, { retry: fastRetry }).load(ops(3))).rejects.toThrow(
      /No checkpoint was moved/,
    );
  });

  it('stops the load instead of dead-lettering when a shard stays unavailable while other items get in', async () => {
    const unavailable = { status: 503, type: 'unavailable_shards_exception' };
    const { client, requests } = fakeClient((o) => o.map((op) => (op.id === '2' ? unavailable : 201)));
    await expect(new BulkLoader(client, { retry: fastRetry }).load(ops(4))).rejects.toThrow(
      /unavailable_shards_exception.*No checkpoint was moved/s,
    );
    expect(requests).toHaveLength(4);
  });

  it('dead-letters a document that cannot be serialised without sending it', async () => {
    const { client, requests } = fakeClient((o) => o.map(() => 201));
    const result = await new BulkLoader(client).load([{ ...ops(1)[0], document: { n: 1n } }, ...ops(1)]);
    expect(result.deadLetters).toMatchObject([{ errorType: 'serialization_error' }]);
    expect(requests.flat()).toHaveLength(1);
  });

  it('splits a request OpenSearch refuses whole until the refused operation stands alone', async () => {
    // A line OpenSearch cannot take fails the whole request with a 400, as an `_id` it refuses does.
    const { client, requests } = fakeClient((o) =>
      o.some((op) => op.id === '5')
        ? new errors.ResponseError({
            body: { error: { type: 'action_request_validation_exception', reason: 'id is too long' } },
            statusCode: 400,
            headers: {},
            meta: {} as never,
            warnings: null,
          })
        : o.map(() => 201),
    );
    const result = await new BulkLoader(client, { retry: fastRetry }).load(ops(12));
    expect(result.stats.succeeded).toBe(11);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]).toMatchObject({
      documentId: '5',
      errorType: 'action_request_validation_exception',
      statusCode: 400,
    });
    // Halves go again, never one request per operation: about log2(12) refused requests.
    expect(requests.length).toBeLessThan(12);
  });

  it('never sends an id OpenSearch cannot take: empty or over 512 bytes is a dead letter at once', async () => {
    const { client, requests } = fakeClient((o) => o.map(() => 201));
    const operations = [...ops(3), { ...ops(1)[0], id: 'é'.repeat(257) }, { ...ops(1)[0], id: '' }];
    const result = await new BulkLoader(client).load(operations);
    expect(requests.flat().map((r) => r.id)).toEqual(['0', '1', '2']);
    expect(result.stats.succeeded).toBe(3);
    expect(result.deadLetters.map((d) => [d.documentId.length, d.errorType])).toEqual([
      [257, 'invalid_document_id'],
      [0, 'invalid_document_id'],
    ]);
    expect(result.deadLetters[0].reason).toContain('514 bytes');
  });

  it('tells its observer each request, each retry by status, and how every operation ended per version', async () => {
    let call = 0;
    const { client, requests } = fakeClient((o) => {
      call++;
      return o.map((op) => {
        if (op.action === 'delete') return 404;
        if (op.id === '0') return call === 1 ? 429 : 201;
        if (op.id === '1') return call === 1 ? 503 : 201;
        if (op.id === '2') return 400;
        return op.id === '3' ? 409 : 201;
      });
    });
    const events: LoaderEvent[] = [];
    const loader = new BulkLoader(
      client,
      { retry: fastRetry },
      () => 0,
      (event) => events.push(event),
    );
    const deletes = ops(2, 'delete').map((op) => ({ ...op, version: 2, id: `d${op.id}` }));
    const result = await loader.load([...ops(5), ...deletes]);

    const sent = events.filter((e) => e.type === 'bulk-request');
    expect(sent).toHaveLength(requests.length);
    expect(sent.map((e) => [e.status, e.operations])).toEqual(requests.map((r) => [200, r.length]));
    expect(sent.every((e) => e.durationSeconds >= 0 && e.bytes > 0)).toBe(true);
    expect(events.filter((e) => e.type === 'bulk-retry')).toEqual([
      { type: 'bulk-retry', status: 503, items: 1 },
    ]);
    expect(events.filter((e) => e.type === 'bulk-pushback')).toEqual([{ type: 'bulk-pushback', items: 1 }]);
    expect(events.filter((e) => e.type === 'bulk-throttle')).toEqual([
      { type: 'bulk-throttle', direction: 'down', concurrency: 1, operations: 500, bytes: 2621440 },
    ]);
    const outcomes = events.filter((e) => e.type === 'operations');
    expect(outcomes).toHaveLength(1);
    const counts = outcomes[0].type === 'operations' ? outcomes[0].counts : [];
    expect([...counts].sort((a, b) => a.result.localeCompare(b.result))).toEqual([
      { version: 2, action: 'delete', result: 'already_deleted', count: 2 },
      { version: 1, action: 'index', result: 'already_newer', count: 1 },
      { version: 1, action: 'index', result: 'dead_letter', count: 1 },
      { version: 1, action: 'index', result: 'succeeded', count: 3 },
    ]);
    // Every operation is counted once, whatever the number of attempts it took.
    expect(counts.reduce((sum, c) => sum + c.count, 0)).toBe(7);
    expect(result.stats).toMatchObject({ succeeded: 3, alreadyNewer: 1, alreadyDeleted: 2, rejected: 1 });
  });

  it('tells a request that got no answer with a null status, and still fails the load', async () => {
    const { client } = fakeClient(
      () => new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9', null as never),
    );
    const events: LoaderEvent[] = [];
    const loader = new BulkLoader(
      client,
      { retry: fastRetry },
      () => 0,
      (event) => events.push(event),
    );
    await expect(loader.load(ops(3))).rejects.toBeInstanceOf(ClusterUnavailableError);
    expect(events.filter((e) => e.type === 'bulk-request').map((e) => e.status)).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(events.filter((e) => e.type === 'bulk-retry')).toEqual([
      { type: 'bulk-retry', status: null, items: 3 },
      { type: 'bulk-retry', status: null, items: 3 },
      { type: 'bulk-retry', status: null, items: 3 },
    ]);
    expect(events.some((e) => e.type === 'operations')).toBe(false);
  });
});
