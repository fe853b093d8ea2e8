import { sql } from 'drizzle-orm';
import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureSource } from '../capture/captured.source.js';
import { timestampCapture } from '../capture/change-capture.mode.js';
import { keyRangeSql, tableKeyColumn } from '../capture/key.sql.js';
import { queryRows } from '../database/database.type.js';
import { describeSource } from '../family/sync-source.js';
import { compareKeys } from '../keys/key.order.js';
import type { KeyRange } from '../keys/key.range.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';
import { createStateTestDatabase, type StateTestDatabase } from '../state/state.test-database.js';
import {
  evenCuts,
  isEvenlySpread,
  PartitionCutter,
  partitionCount,
  rangesFromCuts,
} from './partition.cutter.js';

const intKeys = describeSource('i', pgTable('i', { id: integer('id').primaryKey() })).keys;

/** The indexes of the ranges that hold `key`, by the library's key order. */
function holders(keys: readonly KeyColumn[], ranges: readonly KeyRange[], key: readonly KeyValue[]) {
  return ranges.flatMap((r, i) =>
    (r.after === null || compareKeys(keys, key, r.after) > 0) &&
    (r.upTo === null || compareKeys(keys, key, r.upTo) <= 0)
      ? [i]
      : [],
  );
}

describe('partition cutter', () => {
  it('makes ranges from cut points that hold every key up to the last exactly once, in key order, and none above', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: -2000, max: 2000 }), { maxLength: 60 }),
        (values, keys) => {
          const sorted = [...values].sort((a, b) => a - b).map((c) => [c]);
          const last = sorted.pop()!;
          const ranges = rangesFromCuts(sorted, last);
          expect(ranges).toHaveLength(sorted.length + 1);
          expect(ranges.at(-1)!.upTo).toEqual(last);
          // Contiguous: each range starts where the one before it ends.
          for (let i = 1; i < ranges.length; i++) expect(ranges[i].after).toEqual(ranges[i - 1].upTo);
          for (const key of keys)
            expect(holders(intKeys, ranges, [key])).toHaveLength(key <= last[0] ? 1 : 0);
        },
      ),
    );
  });

  it('cuts integer keys in even steps strictly inside [min, max], exactly with bigints', () => {
    const int64 = fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n });
    const bigintKey = { ...intKeys[0], kind: 'bigint', sqlType: 'bigint' } as KeyColumn;
    fc.assert(
      fc.property(
        int64,
        fc.bigInt({ min: 0n, max: 2n ** 40n }),
        fc.integer({ min: 1, max: 500 }),
        (min, span, parts) => {
          const max = min + span;
          const cuts = evenCuts(bigintKey, min.toString(), max.toString(), parts).map((c) => BigInt(c[0]));
          expect(cuts.length).toBeLessThanOrEqual(parts - 1);
          for (let i = 0; i < cuts.length; i++) {
            expect(cuts[i] >= min && cuts[i] < max).toBe(true);
            if (i > 0) expect(cuts[i] > cuts[i - 1]).toBe(true);
          }
        },
      ),
    );
    expect(evenCuts(intKeys[0], 1, 100, 4)).toEqual([[25], [50], [75]]);
  });

  it('makes partitions of about rowsPerPartition rows, at least minPartitions while there are rows', () => {
    const options = { rowsPerPartition: 1000, minPartitions: 8 };
    expect(partitionCount(0, options)).toBe(1);
    expect(partitionCount(3, options)).toBe(3);
    expect(partitionCount(2000, options)).toBe(8);
    expect(partitionCount(20_500, options)).toBe(21);
    expect(isEvenlySpread(1, 1000, 900)).toBe(true);
    expect(isEvenlySpread(1, 1_000_000, 900)).toBe(false);
  });

  describe('against PostgreSQL', () => {
    let database: StateTestDatabase;
    const table = pgTable('cut_text', {
      key: text('key').primaryKey(),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    });
    const ints = pgTable('cut_int', {
      id: integer('id').primaryKey(),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    });
    const sourceOf = (t: typeof table | typeof ints) =>
      captureSource(database.db, {
        family: 'cut',
        source: describeSource('cut', t),
        capture: timestampCapture(t.updatedAt, { visibilityLagMs: 0 }),
        stateSchema: 'search_sync',
      });

    beforeAll(async () => {
      database = await createStateTestDatabase();
      await database.client`create table cut_text (key text primary key, updated_at timestamptz not null default now())`;
      await database.client`create table cut_int (id integer primary key, updated_at timestamptz not null default now())`;
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('cuts text keys at quantiles in collate "C" order: every row in exactly one range, as SQL and JavaScript agree', async () => {
      const pgText = fc
        .string({ unit: 'binary', minLength: 1, maxLength: 5 })
        .filter((s) => !s.includes('\u0000'));
      const samples = fc.sample(fc.uniqueArray(pgText, { minLength: 300, maxLength: 300 }), {
        numRuns: 1,
        seed: 17,
      })[0];
      await database.client`insert into cut_text (key) select unnest(${samples}::text[])`;
      const source = sourceOf(table);
      const cut = await new PartitionCutter(source).cut({ rowsPerPartition: 40, minPartitions: 2 });
      expect(cut.method).toBe('quantiles');
      expect(cut.rows).toBe(300);
      expect(cut.ranges.length).toBeGreaterThanOrEqual(7);
      const counts = await Promise.all(
        cut.ranges.map(async (range) => {
          const [row] = await queryRows<{ n: number }>(
            database.db,
            sql`select count(*)::int as n from cut_text where ${keyRangeSql(source.keys, tableKeyColumn, range)}`,
          );
          return row.n;
        }),
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
      for (const count of counts) expect(count).toBeGreaterThan(0);
      // The library's order puts each key in the range SQL put it in.
      const inRange = new Map<number, number>();
      for (const key of samples) {
        const found = holders(source.keys, cut.ranges, [key]);
        expect(found).toHaveLength(1);
        inRange.set(found[0], (inRange.get(found[0]) ?? 0) + 1);
      }
      expect(counts).toEqual(cut.ranges.map((_, i) => inRange.get(i) ?? 0));
    }, 30_000);

    it('cuts evenly spread integer keys in even steps and sparse ones at quantiles, both up to the highest key', async () => {
      const source = sourceOf(ints);
      const cutter = new PartitionCutter(source);
      // Nothing to partition: no partitions at all (not one open range that would read every later row).
      expect(await cutter.cut({ rowsPerPartition: 100, minPartitions: 1 })).toMatchObject({
        rows: 0,
        ranges: [],
      });
      await database.client`insert into cut_int (id) select g from generate_series(1, 50) g`;
      expect((await cutter.cut({ rowsPerPartition: 100, minPartitions: 1 })).ranges).toEqual([
        { after: null, upTo: [50] },
      ]);
      await database.client`insert into cut_int (id) select g from generate_series(51, 1000) g`;
      const even = await cutter.cut({ rowsPerPartition: 100, minPartitions: 1 });
      expect(even.method).toBe('even');
      expect(even.ranges).toHaveLength(10);
      expect(even.ranges[0]).toEqual({ after: null, upTo: [100] });
      expect(even.ranges[9]).toEqual({ after: [900], upTo: [1000] });
      await database.client`insert into cut_int (id) select g * 100000 from generate_series(1, 1000) g`;
      const sparse = await cutter.cut({ rowsPerPartition: 100, minPartitions: 1 });
      expect(sparse.method).toBe('quantiles');
      expect(sparse.ranges.length).toBeGreaterThanOrEqual(19);
      expect(sparse.ranges.at(-1)!.upTo).toEqual([100_000_000]);
    });
  });
});
