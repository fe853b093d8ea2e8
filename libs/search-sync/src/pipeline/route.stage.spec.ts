import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangeBatch, SourceChange } from '../family/stage.interface.js';
import { describeSource } from '../family/sync-source.js';
import type { ChangePosition, Checkpoint } from '../keys/change-position.js';
import type { KeyValue } from '../keys/key.types.js';
import type { VersionTarget } from './pipeline.interface.js';
import { type RoutedBatch, route } from './route.stage.js';

const intKeys = describeSource('i', pgTable('i', { id: integer('id').primaryKey() })).keys;
const textKeys = describeSource('t', pgTable('t', { key: text('key').primaryKey() })).keys;
const compositeKeys = describeSource(
  'c',
  pgTable('c', { tenant: text('tenant').notNull(), id: integer('id').notNull() }, (t) => [
    primaryKey({ columns: [t.tenant, t.id] }),
  ]),
).keys;

const change = (changeKey: number, key: KeyValue[]): SourceChange<{ key: KeyValue[] }> => ({
  id: key.join('/'),
  key,
  position: { changeKey, key },
  rowVersion: changeKey * 100,
  deleted: false,
  record: { key },
});

const target = (version: number, checkpoint: Checkpoint | null) =>
  ({
    version,
    index: `items_v${version}`,
    checkpoint,
    transform: (record) => record,
  }) satisfies VersionTarget<{ key: KeyValue[] }>;

async function routeOne<T>(
  keys: typeof intKeys,
  targets: readonly VersionTarget<T>[],
  changes: SourceChange<T>[],
): Promise<RoutedBatch<T>> {
  const input: ChangeBatch<T> = {
    sequence: 3,
    end: changes[changes.length - 1].position,
    pending: [],
    changes,
  };
  async function* one() {
    yield input;
  }
  const out: RoutedBatch<T>[] = [];
  for await (const b of route(keys, targets)(one())) out.push(b);
  expect(out).toHaveLength(1);
  return out[0];
}

const ids = <T>(routed: RoutedBatch<T>, version: number) =>
  routed.routes.find((r) => r.target.version === version)!.changes.map((c) => c.id);

/** UTF-8 byte order: PostgreSQL's `collate "C"`, as an oracle independent of the library's comparator. */
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const pgText = fc.string({ unit: 'binary', maxLength: 4 }).filter((s) => !s.includes('\u0000'));

describe('route', () => {
  it('gives a version without a checkpoint every change, and keeps the batch as it was', async () => {
    const changes = [change(4, [9]), change(5, [1]), change(6, [2])];
    const routed = await routeOne(intKeys, [target(1, null)], changes);
    expect(routed.sequence).toBe(3);
    expect(routed.changes).toEqual(changes);
    expect(routed.end).toEqual(changes[2].position);
    expect(ids(routed, 1)).toEqual(['9', '1', '2']);
  });

  it('drops changes at or before the checkpoint by full position, also inside one transaction', async () => {
    // Transaction 5 wrote keys 2, 3 and 4; the checkpoint sits inside it, at key 3.
    const changes = [change(4, [7]), change(5, [2]), change(5, [3]), change(5, [4]), change(6, [1])];
    const routed = await routeOne(
      intKeys,
      [target(1, { changeKey: 5, key: [3] }), target(2, null), target(3, { changeKey: 4, key: [8] })],
      changes,
    );
    expect(ids(routed, 1)).toEqual(['4', '1']);
    expect(ids(routed, 2)).toEqual(['7', '2', '3', '4', '1']);
    // Checkpoint (4, 8) is after (4, 7) although key 7 < 8 only decides within change key 4.
    expect(ids(routed, 3)).toEqual(['2', '3', '4', '1']);
    expect(routed.routes.map((r) => r.target.version)).toEqual([1, 2, 3]);
  });

  it('also routes changes behind the checkpoint that belong to a transaction it left pending', async () => {
    const checkpoint = { changeKey: 20, key: [5], pending: [12] };
    const changes = [change(11, [1]), change(12, [2]), change(12, [9]), change(20, [5]), change(21, [1])];
    const routed = await routeOne(intKeys, [target(1, checkpoint)], changes);
    expect(routed.routes[0].changes.map((c) => c.position)).toEqual([
      { changeKey: 12, key: [2] },
      { changeKey: 12, key: [9] },
      { changeKey: 21, key: [1] },
    ]);
  });

  it('orders text keys by code point, as collate "C" does: ＡＢＣ comes before 😀', async () => {
    // JavaScript's own `<` says the opposite: U+FF21 is above the surrogates of U+1F600.
    expect('ＡＢＣ' > '😀').toBe(true);
    const changes = [change(7, ['ＡＢＣ']), change(7, ['😀'])];
    const routed = await routeOne(
      textKeys,
      [target(1, { changeKey: 7, key: ['ＡＢＣ'] }), target(2, { changeKey: 7, key: ['😀'] })],
      changes,
    );
    expect(ids(routed, 1)).toEqual(['😀']);
    expect(ids(routed, 2)).toEqual([]);
  });

  it('compares several key columns one after the other', async () => {
    const changes = [change(2, ['a', 10]), change(2, ['b', 1]), change(2, ['b', 3]), change(3, ['a', 0])];
    const routed = await routeOne(compositeKeys, [target(1, { changeKey: 2, key: ['b', 1] })], changes);
    expect(ids(routed, 1)).toEqual(['b/3', 'a/0']);
  });

  it('leaves filtering to transform: a row the version filter rejects is still routed, to become a delete', async () => {
    const filtered = { ...target(1, null), filter: () => false };
    const routed = await routeOne(intKeys, [filtered], [change(1, [1]), change(2, [2])]);
    expect(ids(routed, 1)).toEqual(['1', '2']);
  });

  it('routes to each version exactly the changes after its checkpoint, in batch order, for any positions', async () => {
    const position = fc.record({ changeKey: fc.integer({ min: 1, max: 4 }), key: fc.tuple(pgText) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(position, { minLength: 1, maxLength: 12 }),
        fc.array(fc.option(position, { nil: null }), { minLength: 1, maxLength: 3 }),
        async (positions, checkpoints) => {
          const changes = positions.map((p, i) => ({ ...change(p.changeKey, p.key), id: String(i) }));
          const targets = checkpoints.map((checkpoint, v) => target(v + 1, checkpoint));
          const routed = await routeOne(textKeys, targets, changes);
          const after = (a: ChangePosition, b: ChangePosition) =>
            a.changeKey !== b.changeKey
              ? a.changeKey > b.changeKey
              : utf8Order(a.key[0] as string, b.key[0] as string) > 0;
          checkpoints.forEach((checkpoint, v) => {
            const expected = changes.filter((c) => !checkpoint || after(c.position, checkpoint));
            expect(routed.routes[v].target).toBe(targets[v]);
            expect(routed.routes[v].changes).toEqual(expected);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
