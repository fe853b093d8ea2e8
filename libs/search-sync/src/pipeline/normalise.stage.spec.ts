import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangeBatch, SourceChange } from '../family/stage.interface.js';
import { normalise } from './normalise.stage.js';

interface Row {
  readonly id: number;
  readonly title: string;
}

const change = (id: number, record: Row | null, deleted = record === null): SourceChange<unknown> => ({
  id: String(id),
  key: [id],
  position: { changeKey: 10 + id, key: [id] },
  rowVersion: 100 + id,
  deleted,
  record,
});

const batch = (sequence: number, changes: SourceChange<unknown>[]): ChangeBatch<unknown> => ({
  sequence,
  end: changes[changes.length - 1]?.position ?? { changeKey: 0, key: [0] },
  pending: [],
  changes,
});

/** Hands `batches` on one by one and counts how many were asked for. */
function source(batches: readonly ChangeBatch<unknown>[]) {
  const log = { pulled: 0 };
  async function* iterate() {
    for (const b of batches) {
      log.pulled++;
      yield b;
    }
  }
  return { batches: iterate(), log };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const toDto = (row: any) => ({ id: row.id, title: String(row.title).toUpperCase() });

describe('normalise', () => {
  it('turns every row into the DTO and keeps the rest of the change and the batch as they were', async () => {
    const input = [batch(0, [change(1, { id: 1, title: 'a' }), change(2, { id: 2, title: 'b' })])];
    const [out] = await collect(normalise(toDto)(source(input).batches));
    expect(out.sequence).toBe(0);
    expect(out.end).toEqual(input[0].end);
    expect(out.changes).toEqual([
      { ...input[0].changes[0], record: { id: 1, title: 'A' } },
      { ...input[0].changes[1], record: { id: 2, title: 'B' } },
    ]);
  });

  it('never hands a hard delete to the normaliser: its record stays null', async () => {
    const seen: unknown[] = [];
    const input = [batch(0, [change(1, null), change(2, { id: 2, title: 'b' }), change(3, null)])];
    const [out] = await collect(
      normalise((row: any) => {
        seen.push(row);
        return toDto(row);
      })(source(input).batches),
    );
    expect(seen).toEqual([{ id: 2, title: 'b' }]);
    expect(out.changes.map((c) => c.record)).toEqual([null, { id: 2, title: 'B' }, null]);
    expect(out.changes.map((c) => c.deleted)).toEqual([true, false, true]);
  });

  it('normalises a soft-deleted row (it still has a record) and keeps it marked deleted', async () => {
    const input = [batch(0, [change(1, { id: 1, title: 'gone' }, true)])];
    const [out] = await collect(normalise(toDto)(source(input).batches));
    expect(out.changes[0]).toMatchObject({ deleted: true, record: { id: 1, title: 'GONE' } });
  });

  it('reads one batch per batch handed on, so memory stays flat whatever the table size', async () => {
    const input = [0, 1, 2].map((s) => batch(s, [change(s, { id: s, title: 't' })]));
    const { batches, log } = source(input);
    const normalised = normalise(toDto)(batches)[Symbol.asyncIterator]();
    await normalised.next();
    expect(log.pulled).toBe(1);
    await normalised.next();
    expect(log.pulled).toBe(2);
  });

  it('fails the iteration when the normaliser throws, handing on no part of that batch', async () => {
    const input = [
      batch(0, [change(1, { id: 1, title: 'ok' })]),
      batch(1, [change(2, { id: 2, title: 'ok' }), change(3, { id: 3, title: 'bad' })]),
    ];
    const seen: number[] = [];
    const failing = normalise((row: any) => {
      if (row.title === 'bad') throw new Error('cannot normalise');
      return toDto(row);
    });
    await expect(
      (async () => {
        for await (const b of failing(source(input).batches)) seen.push(b.sequence);
      })(),
    ).rejects.toThrow('cannot normalise');
    expect(seen).toEqual([0]);
  });

  it('keeps batches, changes and their order one for one, for any input', async () => {
    const changeArb = fc
      .record({ id: fc.integer({ min: 0, max: 1000 }), title: fc.string(), hardDelete: fc.boolean() })
      .map(({ id, title, hardDelete }) => change(id, hardDelete ? null : { id, title }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(changeArb, { maxLength: 8 }), { maxLength: 6 }), async (pages) => {
        const input = pages.map((changes, i) => batch(i, changes));
        const out = await collect(normalise(toDto)(source(input).batches));
        expect(out.map((b) => b.sequence)).toEqual(input.map((b) => b.sequence));
        expect(out.map((b) => b.changes.map((c) => [c.id, c.position, c.rowVersion, c.deleted]))).toEqual(
          input.map((b) => b.changes.map((c) => [c.id, c.position, c.rowVersion, c.deleted])),
        );
        expect(out.map((b) => b.changes.map((c) => c.record))).toEqual(
          input.map((b) => b.changes.map((c) => (c.record === null ? null : toDto(c.record)))),
        );
      }),
      { numRuns: 100 },
    );
  });
});
