import { type SQL, sql } from 'drizzle-orm';
import { type CapturedSource, inSnapshot } from '../capture/captured.source.js';
import { rowsNotApplied, tombstonesNotApplied } from '../capture/change-position.sql.js';
import { keyOrderSql, keyRangeSql, keyValueOf, namedKeyColumn, tableKeyColumn } from '../capture/key.sql.js';
import { SourceRows } from '../capture/source.rows.js';
import { queryRows } from '../database/database.type.js';
import type { SourceChange } from '../family/stage.interface.js';
import type { Checkpoint } from '../keys/change-position.js';
import { documentId } from '../keys/document-id.js';
import type { KeyRange } from '../keys/key.range.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';
import type { RangeStats, ReconcileSource } from './reconcile.interface.js';

/** The span from the first range's start to the last one's end (ranges come in key order). */
export const spanOf = (ranges: readonly KeyRange[]): KeyRange => ({
  after: ranges[0].after,
  upTo: ranges[ranges.length - 1].upTo,
});

/**
 * The source side of reconcile, in SQL: key ranges cut at quantiles of the rows, counts and row-version
 * sums per range as of a checkpoint, what changed since it, and the rows themselves. Any key shape:
 * ranges are row comparisons in the library's one key order.
 */
export class SourceRanges implements ReconcileSource {
  readonly keys: readonly KeyColumn[];
  private readonly rows: SourceRows;

  constructor(private readonly source: CapturedSource) {
    this.keys = source.keys;
    this.rows = new SourceRows(source);
  }

  snapshot<T>(read: (source: ReconcileSource) => Promise<T>): Promise<T> {
    return inSnapshot(this.source, (source) => read(new SourceRanges(source)));
  }

  readKeyRange(
    range: KeyRange,
    after: readonly KeyValue[] | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]> {
    return this.rows.readKeyRange(range, after, limit);
  }

  readKeys(keys: readonly (readonly KeyValue[])[]): Promise<SourceChange<unknown>[]> {
    return this.rows.readKeys(keys);
  }

  /** Up to `parts - 1` keys that cut `range` into parts of about equal row counts. */
  async cutPoints(range: KeyRange, parts: number): Promise<KeyValue[][]> {
    const { keys, db, source } = this.source;
    const columns = keys.map((k, i) => sql`${k.column} as ${sql.identifier(`k${i}`)}`);
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql`select * from (
        select ${sql.join(columns, sql`, `)},
          row_number() over (order by ${sql.join(keyOrderSql(keys, tableKeyColumn), sql`, `)}) as rn,
          count(*) over () as n
        from ${source.table} where ${keyRangeSql(keys, tableKeyColumn, range)}
      ) s where rn < n and rn % greatest(1, ceil(n::numeric / ${parts}))::bigint = 0 order by rn`,
    );
    return rows.map((row) => keys.map((k, i) => keyValueOf(k, row[`k${i}`])));
  }

  /**
   * Per range: the live rows (not soft-deleted) a version with `checkpoint` has applied, and the sum of
   * their row versions. One statement over the ranges' span.
   */
  async stats(ranges: readonly KeyRange[], checkpoint: Checkpoint | null): Promise<RangeStats[]> {
    const { keys, db, source, softDelete, capture } = this.source;
    const conditions: SQL[] = [keyRangeSql(keys, tableKeyColumn, spanOf(ranges))];
    if (softDelete) conditions.push(sql`not coalesce((${softDelete}), false)`);
    if (checkpoint) conditions.push(sql`not ${rowsNotApplied(this.source, checkpoint)}`);
    const bucket = sql.join(
      ranges.map((range, i) => sql`when ${keyRangeSql(keys, tableKeyColumn, range)} then ${i}::int`),
      sql` `,
    );
    const rows = await queryRows<{ bucket: number; count: number; sum: string }>(
      db,
      sql`select bucket, count(*)::int as count, sum(rv)::text as sum from (
          select case ${bucket} end as bucket, ${capture.rowVersion} as rv
          from ${source.table} where ${sql.join(conditions, sql` and `)}
        ) s where bucket is not null group by bucket`,
    );
    const stats: RangeStats[] = ranges.map(() => ({ count: 0, sum: 0 }));
    for (const row of rows) stats[row.bucket] = { count: row.count, sum: Number(row.sum) };
    return stats;
  }

  /** Document ids of rows and tombstones within `span` whose change position is after `checkpoint`. */
  async changedSince(checkpoint: Checkpoint, span: KeyRange): Promise<Set<string>> {
    const { keys, db, source, tombstones, tombstoneTable } = this.source;
    const select = (column: typeof tableKeyColumn) =>
      sql.join(
        keys.map((k, i) => sql`${column(k)} as ${sql.identifier(`k${i}`)}`),
        sql`, `,
      );
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql`select ${select(tableKeyColumn)} from ${source.table}
        where ${rowsNotApplied(this.source, checkpoint)} and ${keyRangeSql(keys, tableKeyColumn, span)}
        ${
          tombstones
            ? sql`union select ${select(namedKeyColumn)} from ${tombstoneTable}
                where ${tombstonesNotApplied(this.source, checkpoint)} and ${keyRangeSql(keys, namedKeyColumn, span)}`
            : sql``
        }`,
    );
    return new Set(rows.map((row) => documentId(keys.map((k, i) => keyValueOf(k, row[`k${i}`])))));
  }
}
