import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceChange } from '../family/stage.interface.js';
import { type ChangePosition, comparePositions } from '../keys/change-position.js';
import type { KeyColumn } from '../keys/key.types.js';
import { type ChangeReader, extractChanges, type ReadScope } from './extract.stage.js';

const keys = [{ kind: 'number' } as KeyColumn];
const after = (a: ChangePosition, b: ChangePosition | null) => !b || comparePositions(keys, a, b) > 0;
const change = (changeKey: number, id: number, deleted = false): SourceChange<unknown> => ({
  id: String(id),
  key: [id],
  position: { changeKey, key: [id] },
  rowVersion: changeKey * 1000 + id,
  deleted,
  record: deleted ? null : { id },
});

const EVERYTHING: ReadScope = { kind: 'snapshot', below: Number.MAX_SAFE_INTEGER, inProgress: [] };

/** What a scope lets a read see, as the SQL reader's conditions do. */
function inScope(position: ChangePosition, scope: ReadScope): boolean {
  if (scope.kind === 'transactions') {
    return scope.ids.includes(position.changeKey) && (!scope.upTo || !after(position, scope.upTo));
  }
  return position.changeKey < scope.below && !scope.inProgress.includes(position.changeKey);
}

/** An in-memory source: sorted rows and tombstones, answering pages like the SQL reader. */
function memoryReader(rows: SourceChange<unknown>[], tombstones: SourceChange<unknown>[]) {
  const sort = (list: SourceChange<unknown>[]) =>
    [...list].sort((a, b) => comparePositions(keys, a.position, b.position));
  const sortedRows = sort(rows);
  const sortedTombstones = sort(tombstones);
  const reader: ChangeReader & { rowQueries: number; rowsRead: number } = {
    keys,
    tombstones: true,
    rowQueries: 0,
    rowsRead: 0,
    bound: async () => ({ below: Number.MAX_SAFE_INTEGER, inProgress: [] }),
    async readRows(from, scope, limit) {
      reader.rowQueries++;
      const page = sortedRows
        .filter((r) => after(r.position, from) && inScope(r.position, scope))
        .slice(0, limit);
      reader.rowsRead += page.length;
      return page;
    },
    async readTombstones(from, scope, upTo, limit) {
      return sortedTombstones
        .filter(
          (t) =>
            after(t.position, from) &&
            inScope(t.position, scope) &&
            (!upTo || comparePositions(keys, t.position, upTo) <= 0),
        )
        .slice(0, limit);
    },
  };
  return reader;
}

async function collect(reader: ChangeReader, batchSize: number, from: ChangePosition | null = null) {
  const batches = [];
  for await (const batch of extractChanges(reader, { from, scope: EVERYTHING, batchSize })) {
    batches.push(batch);
  }
  return batches;
}

describe('extractChanges', () => {
  it('reads each row once, one row query per batch, even when the rows fill the last page exactly', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => change(1 + Math.floor(i / 7), i));
    const reader = memoryReader(rows, []);
    const batches = await collect(reader, 10);
    expect(batches.map((b) => b.changes.length)).toEqual([10, 10, 10]);
    expect(reader.rowQueries).toBe(3);
    expect(reader.rowsRead).toBe(30);
    expect(batches.flatMap((b) => b.changes.map((c) => c.id))).toEqual(rows.map((r) => r.id));
  });

  it('asks for the next page before handing a batch on, and never past the last page', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => change(1 + i, i));
    const reader = memoryReader(rows, []);
    const batches = extractChanges(reader, { from: null, scope: EVERYTHING, batchSize: 10 });
    await batches.next();
    // The second page is on its way while the first batch is being transformed and loaded.
    expect(reader.rowQueries).toBe(2);
    let count = 1;
    while (!(await batches.next()).done) count++;
    expect(count).toBe(3);
    expect(reader.rowQueries).toBe(3);

    const controller = new AbortController();
    const stopping = memoryReader(rows, []);
    const stopped = extractChanges(stopping, {
      from: null,
      scope: EVERYTHING,
      batchSize: 10,
      signal: controller.signal,
    });
    await stopped.next();
    controller.abort();
    expect((await stopped.next()).done).toBe(true);
    expect(stopping.rowQueries).toBeLessThanOrEqual(2);
  });

  it('cuts a batch where a full page of tombstones ends, and reads what lies after it next', async () => {
    const rows = [change(1, 1), change(9, 2), change(9, 3)];
    const tombstones = [change(2, 10, true), change(3, 11, true), change(4, 12, true), change(5, 13, true)];
    const batches = await collect(memoryReader(rows, tombstones), 2);
    const ids = batches.flatMap((b) => b.changes.map((c) => c.id));
    expect(ids).toEqual(['1', '10', '11', '12', '13', '2', '3']);
    for (const batch of batches) {
      for (const c of batch.changes)
        expect(comparePositions(keys, c.position, batch.end)).toBeLessThanOrEqual(0);
    }
  });

  it('starts after the checkpoint it is given and stops when there is nothing left', async () => {
    const rows = [change(1, 1), change(2, 2), change(3, 3)];
    const batches = await collect(memoryReader(rows, []), 10, { changeKey: 2, key: [2] });
    expect(batches.flatMap((b) => b.changes.map((c) => c.id))).toEqual(['3']);
    expect(await collect(memoryReader([], []), 10)).toEqual([]);
  });

  it('yields every row and tombstone exactly once, in change order, with ends that only grow', async () => {
    const position = fc.record({
      changeKey: fc.integer({ min: 1, max: 20 }),
      id: fc.integer({ min: 1, max: 60 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(position, { selector: (p) => `${p.changeKey}:${p.id}`, maxLength: 80 }),
        fc.uniqueArray(position, { selector: (p) => `${p.changeKey}:${p.id}`, maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        async (rowPositions, tombstonePositions, batchSize) => {
          const rows = rowPositions.map((p) => change(p.changeKey, p.id));
          const tombstones = tombstonePositions.map((p) => change(p.changeKey, p.id, true));
          const reader = memoryReader(rows, tombstones);
          const batches = await collect(reader, batchSize);
          const seen = batches.flatMap((b) =>
            b.changes.map((c) => `${c.deleted}:${c.position.changeKey}:${c.id}`),
          );
          const expected = [...rows, ...tombstones].map(
            (c) => `${c.deleted}:${c.position.changeKey}:${c.id}`,
          );
          expect([...seen].sort()).toEqual([...expected].sort());
          expect(new Set(seen).size).toBe(seen.length);
          expect(reader.rowQueries).toBeLessThanOrEqual(Math.max(1, batches.length));
          for (let i = 1; i < batches.length; i++) {
            expect(comparePositions(keys, batches[i - 1].end, batches[i].end)).toBeLessThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
