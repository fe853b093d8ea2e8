import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Loader, load } from './load.stage.js';
import type { DeadLetterRecord, IndexOperation, LoadStats, PlannedBatch } from './pipeline.interface.js';

const operation = (sequence: number, i: number): IndexOperation => ({
  version: 1,
  index: 'items_v1',
  id: `${sequence}-${i}`,
  action: 'index',
  rowVersion: sequence * 10 + i,
  document: { sequence, i },
});

const deadLetter = (documentId: string, errorType: string): DeadLetterRecord => ({
  version: 1,
  documentId,
  operation: 'index',
  document: null,
  errorType,
  reason: errorType,
  statusCode: null,
  attempts: 1,
  rowVersion: 1,
});

const planned = (sequence: number, size = 2, deadLetters: DeadLetterRecord[] = []): PlannedBatch => ({
  sequence,
  end: { changeKey: sequence + 1, key: [sequence] },
  pending: [],
  changeCount: size,
  versions: [1],
  operations: Array.from({ length: size }, (_, i) => operation(sequence, i)),
  deadLetters,
});

const stats = (succeeded: number): LoadStats => ({
  requests: 1,
  bytes: succeeded * 10,
  succeeded,
  alreadyNewer: 0,
  alreadyDeleted: 0,
  retriedItems: 0,
  throttledItems: 0,
  rejected: 0,
});

async function* from<T>(items: readonly T[]) {
  for (const item of items) yield item;
}

/** A promise with its resolve, to decide from the test when a load ends. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('load', () => {
  it("hands batches on in batch order with each one's stats, whatever order their loads end in", async () => {
    const delays = [25, 1, 12, 0, 6];
    let running = 0;
    let most = 0;
    const loader: Loader = async (operations) => {
      most = Math.max(most, ++running);
      const sequence = (operations[0].document as { sequence: number }).sequence;
      await sleep(delays[sequence]);
      running--;
      return { deadLetters: [], stats: stats(operations.length + sequence) };
    };
    const input = delays.map((_, s) => planned(s));
    const out = [];
    for await (const b of load(loader, 3)(from(input))) out.push(b);
    expect(out.map((b) => b.sequence)).toEqual([0, 1, 2, 3, 4]);
    expect(out.map((b) => b.stats.succeeded)).toEqual([2, 3, 4, 5, 6]);
    expect(out.map((b) => b.operations)).toEqual(input.map((b) => b.operations));
    expect(most).toBe(3);
  });

  it('keeps a later batch back until the earlier one is loaded, with both in flight', async () => {
    const gates = [deferred(), deferred()];
    const started: number[] = [];
    const loader: Loader = async (operations) => {
      const sequence = (operations[0].document as { sequence: number }).sequence;
      started.push(sequence);
      await gates[sequence].promise;
      return { deadLetters: [], stats: stats(operations.length) };
    };
    const loaded = load(loader, 2)(from([planned(0), planned(1)]))[Symbol.asyncIterator]();
    const first = loaded.next();
    await settle();
    expect(started).toEqual([0, 1]);
    gates[1].resolve();
    let firstDone = false;
    void first.then(() => {
      firstDone = true;
    });
    await settle();
    expect(firstDone).toBe(false);
    gates[0].resolve();
    expect((await first).value?.sequence).toBe(0);
    expect((await loaded.next()).value?.sequence).toBe(1);
    expect((await loaded.next()).done).toBe(true);
  });

  it("merges the loader's dead letters after the batch's own (transform) dead letters", async () => {
    const own = [deadLetter('0-9', 'transform_error')];
    const loader: Loader = async (operations) => ({
      deadLetters: [deadLetter(operations[1].id, 'mapper_parsing_exception')],
      stats: stats(operations.length - 1),
    });
    const out = [];
    for await (const b of load(loader, 2)(from([planned(0, 2, own), planned(1)]))) out.push(b);
    expect(out[0].deadLetters.map((d) => [d.documentId, d.errorType])).toEqual([
      ['0-9', 'transform_error'],
      ['0-1', 'mapper_parsing_exception'],
    ]);
    expect(out[1].deadLetters.map((d) => [d.documentId, d.errorType])).toEqual([
      ['1-1', 'mapper_parsing_exception'],
    ]);
    expect(out[0].stats.succeeded).toBe(1);
  });

  it('fails when a load fails, after handing on the batches before it and none after it', async () => {
    const loader: Loader = async (operations) => {
      const sequence = (operations[0].document as { sequence: number }).sequence;
      if (sequence === 1) throw new Error('cluster unavailable');
      return { deadLetters: [], stats: stats(operations.length) };
    };
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const b of load(loader, 2)(from([0, 1, 2, 3].map((s) => planned(s)))))
          seen.push(b.sequence);
      })(),
    ).rejects.toThrow('cluster unavailable');
    expect(seen).toEqual([0]);
  });

  it('keeps batch order, loads each batch once and never exceeds the batches in flight, for any timing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 10 }),
        async (s, batchesInFlight, sizes) => {
          const input = sizes.map((size, sequence) => planned(sequence, size));
          // By identity: a batch can hold no operation at all (every version skipped its changes).
          const sequences = new Map(input.map((b) => [b.operations, b.sequence]));
          const calls: number[] = [];
          let running = 0;
          let most = 0;
          const loader: Loader = async (operations) => {
            const sequence = sequences.get(operations)!;
            calls.push(sequence);
            most = Math.max(most, ++running);
            await s.schedule(Promise.resolve(), `load ${sequence}`);
            running--;
            return { deadLetters: [], stats: stats(operations.length) };
          };
          const out: PlannedBatch[] = [];
          const consume = (async () => {
            for await (const b of load(loader, batchesInFlight)(from(input))) out.push(b);
          })();
          await s.waitFor(consume);
          expect(out.map((b) => b.sequence)).toEqual(input.map((b) => b.sequence));
          expect(out.map((b) => b.operations)).toEqual(input.map((b) => b.operations));
          expect(calls).toEqual(input.map((b) => b.sequence));
          expect(most).toBeLessThanOrEqual(batchesInFlight);
        },
      ),
      { numRuns: 200 },
    );
  });
});
