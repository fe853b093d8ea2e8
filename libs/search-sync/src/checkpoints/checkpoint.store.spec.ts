import { sql } from 'drizzle-orm';
import { bigint, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSource } from '../family/sync-source.js';
import type { ChangePosition } from '../keys/change-position.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';
import { LeaseStore } from '../leases/lease.store.js';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import { CheckpointStore } from './checkpoint.store.js';

const intKeys = describeSource('i', pgTable('i', { id: integer('id').primaryKey() })).keys;
const bigintKeys = describeSource(
  'b',
  pgTable('b', { id: bigint('id', { mode: 'bigint' }).primaryKey() }),
).keys;
const textKeys = describeSource('t', pgTable('t', { key: text('key').primaryKey() })).keys;
const compositeKeys = describeSource(
  'c',
  pgTable('c', { tenant: text('tenant').notNull(), id: integer('id').notNull() }, (t) => [
    primaryKey({ columns: [t.tenant, t.id] }),
  ]),
).keys;

const at = (changeKey: number, ...key: KeyValue[]): ChangePosition => ({ changeKey, key });

/** UTF-8 byte order: PostgreSQL's `collate "C"`, as an oracle independent of the library's comparator. */
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const pgText = fc.string({ unit: 'binary', maxLength: 4 }).filter((s) => !s.includes('\u0000'));

describe('CheckpointStore', () => {
  let database: StateTestDatabase;
  const store = new CheckpointStore();
  let families = 0;
  const newFamily = () => `family_${++families}`;

  beforeAll(async () => {
    database = await createStateTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('creates checkpoints, reads them back per version and says which versions moved', async () => {
    const family = newFamily();
    expect(await store.read(database.db, family)).toEqual(new Map());
    expect(await store.advance(database.db, family, [1, 2], at(10, 5), intKeys)).toEqual([1, 2]);
    expect(await store.read(database.db, family)).toEqual(
      new Map([
        [1, at(10, 5)],
        [2, at(10, 5)],
      ]),
    );
    expect([...(await store.lastMoved(database.db, family)).keys()].sort()).toEqual([1, 2]);
    expect(await store.advance(database.db, family, [], at(11, 1), intKeys)).toEqual([]);
    expect(await store.read(database.db, 'another_family')).toEqual(new Map());
  });

  it('only moves forward by full position, also inside one transaction', async () => {
    const family = newFamily();
    await store.advance(database.db, family, [1], at(10, 5), intKeys);
    // Same change key, lower key: behind, although a change-key-only compare would call it equal.
    expect(await store.advance(database.db, family, [1], at(10, 4), intKeys)).toEqual([]);
    expect(await store.advance(database.db, family, [1], at(10, 5), intKeys)).toEqual([]);
    expect(await store.advance(database.db, family, [1], at(9, 100), intKeys)).toEqual([]);
    expect((await store.read(database.db, family)).get(1)).toEqual(at(10, 5));
    expect(await store.advance(database.db, family, [1], at(10, 6), intKeys)).toEqual([1]);
    expect((await store.read(database.db, family)).get(1)).toEqual(at(10, 6));
  });

  it('moves only the versions that are behind the position', async () => {
    const family = newFamily();
    await store.advance(database.db, family, [1], at(20, 1), intKeys);
    await store.advance(database.db, family, [2], at(5, 1), intKeys);
    expect((await store.advance(database.db, family, [1, 2, 3], at(10, 1), intKeys)).sort()).toEqual([2, 3]);
    expect(await store.read(database.db, family)).toEqual(
      new Map([
        [1, at(20, 1)],
        [2, at(10, 1)],
        [3, at(10, 1)],
      ]),
    );
  });

  it('compares integer keys as numbers, bigint keys beyond 2^53 exactly, and text by code point', async () => {
    const ints = newFamily();
    await store.advance(database.db, ints, [1], at(1, 9), intKeys);
    // As text, '10' < '9'.
    expect(await store.advance(database.db, ints, [1], at(1, 10), intKeys)).toEqual([1]);
    expect(await store.advance(database.db, ints, [1], at(1, -3), intKeys)).toEqual([]);

    const bigints = newFamily();
    await store.advance(database.db, bigints, [1], at(1, '9007199254740993'), bigintKeys);
    // As doubles both are 2^53 + 2: only an exact compare sees the second one behind.
    expect(await store.advance(database.db, bigints, [1], at(1, '9007199254740992'), bigintKeys)).toEqual([]);
    expect(await store.advance(database.db, bigints, [1], at(1, '9007199254740994'), bigintKeys)).toEqual([
      1,
    ]);
    expect((await store.read(database.db, bigints)).get(1)).toEqual(at(1, '9007199254740994'));

    const texts = newFamily();
    await store.advance(database.db, texts, [1], at(7, 'ＡＢＣ'), textKeys);
    expect(await store.advance(database.db, texts, [1], at(7, '😀'), textKeys)).toEqual([1]);
    expect(await store.advance(database.db, texts, [1], at(7, 'ＡＢＣ'), textKeys)).toEqual([]);
    expect((await store.read(database.db, texts)).get(1)).toEqual(at(7, '😀'));

    const composite = newFamily();
    await store.advance(database.db, composite, [1], at(3, 'b', 1), compositeKeys);
    expect(await store.advance(database.db, composite, [1], at(3, 'a', 99), compositeKeys)).toEqual([]);
    expect(await store.advance(database.db, composite, [1], at(3, 'b', 2), compositeKeys)).toEqual([1]);
  });

  it('stores the transactions a checkpoint leaves pending, and settling only ever removes them', async () => {
    const family = newFamily();
    await store.advance(database.db, family, [1, 2], { ...at(30, 1), pending: [21, 25] }, intKeys);
    expect((await store.read(database.db, family)).get(1)).toEqual({ ...at(30, 1), pending: [21, 25] });
    await store.settle(database.db, family, [1], [21, 99]);
    const read = await store.read(database.db, family);
    expect(read.get(1)).toEqual({ ...at(30, 1), pending: [25] });
    expect(read.get(2)).toEqual({ ...at(30, 1), pending: [21, 25] });
    // A move forward replaces them with those of the new position; the position never goes back.
    await store.advance(database.db, family, [1], at(40, 1), intKeys);
    expect((await store.read(database.db, family)).get(1)).toEqual(at(40, 1));
    await store.advance(database.db, family, [1], { ...at(35, 1), pending: [33] }, intKeys);
    expect((await store.read(database.db, family)).get(1)).toEqual(at(40, 1));
  });

  it('writes nothing when the guard does not hold: neither a new checkpoint nor a move', async () => {
    const family = newFamily();
    expect(await store.advance(database.db, family, [1], at(5, 1), intKeys, sql`false`)).toEqual([]);
    expect(await store.read(database.db, family)).toEqual(new Map());
    await store.advance(database.db, family, [1], at(5, 1), intKeys);
    expect(await store.advance(database.db, family, [1], at(6, 1), intKeys, sql`false`)).toEqual([]);
    expect((await store.read(database.db, family)).get(1)).toEqual(at(5, 1));
    expect(await store.advance(database.db, family, [1], at(6, 1), intKeys, sql`true`)).toEqual([1]);
  });

  it('fences a holder whose lease was taken over, with the lease token as the guard', async () => {
    const family = newFamily();
    const leases = new LeaseStore();
    const first = await leases.acquire(database.db, family, 'a', 60_000);
    await database.db.execute(
      sql`update search_sync.leases set expires_at = now() - interval '1 second' where family = ${family}`,
    );
    const second = await leases.acquire(database.db, family, 'b', 60_000);
    if (!first.acquired || !second.acquired) throw new Error('each holder gets the lease in turn');
    const fence = (token: number) =>
      sql`exists (select 1 from search_sync.leases where family = ${family} and token = ${token})`;
    const stale = fence(first.lease.token);
    expect(await store.advance(database.db, family, [1], at(9, 1), intKeys, stale)).toEqual([]);
    expect(await store.read(database.db, family)).toEqual(new Map());
    const current = fence(second.lease.token);
    expect(await store.advance(database.db, family, [1], at(9, 1), intKeys, current)).toEqual([1]);
  });

  const property = <K extends KeyValue>(
    keys: readonly KeyColumn[],
    key: fc.Arbitrary<K>,
    compareKey: (a: K, b: K) => number,
  ) =>
    fc.asyncProperty(
      fc.array(fc.record({ changeKey: fc.integer({ min: 1, max: 4 }), key }), { minLength: 1, maxLength: 8 }),
      async (steps) => {
        const family = newFamily();
        const after = (a: { changeKey: number; key: K }, b: { changeKey: number; key: K }) =>
          a.changeKey !== b.changeKey ? a.changeKey > b.changeKey : compareKey(a.key, b.key) > 0;
        let max: { changeKey: number; key: K } | null = null;
        for (const step of steps) {
          const moved = await store.advance(database.db, family, [1], at(step.changeKey, step.key), keys);
          const forward = max === null || after(step, max);
          expect(moved).toEqual(forward ? [1] : []);
          if (forward) max = step;
        }
        expect((await store.read(database.db, family)).get(1)).toEqual(at(max!.changeKey, max!.key));
      },
    );

  it('keeps the maximum by full position for any sequence of integer-key advances', async () => {
    await fc.assert(
      property(intKeys, fc.integer({ min: -3, max: 3 }), (a, b) => a - b),
      { numRuns: 40 },
    );
  });

  it('keeps the maximum by full position for any sequence of text-key advances (code-point order)', async () => {
    const text = fc.oneof(fc.constantFrom('ＡＢＣ', '😀', '', 'a', 'ab', '\uffff', 'é'), pgText);
    await fc.assert(property(textKeys, text, utf8Order), { numRuns: 40 });
  });
});
