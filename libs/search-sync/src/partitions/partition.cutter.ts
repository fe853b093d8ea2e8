import { sql } from 'drizzle-orm';
import type { CapturedSource } from '../capture/captured.source.js';
import { keyOrderSql, keyValueOf, tableKeyColumn } from '../capture/key.sql.js';
import { queryRows } from '../database/database.type.js';
import { type KeyRange, WHOLE_KEY_SPACE } from '../keys/key.range.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';
import { SourceRanges } from '../reconcile/source-ranges.js';

export interface PartitioningOptions {
  /** Source rows per partition, about. */
  readonly rowsPerPartition: number;
  /** Partitions at least (while there are rows for them), so that one slow partition does not make the tail. */
  readonly minPartitions: number;
}

export const DEFAULT_PARTITIONING: PartitioningOptions = { rowsPerPartition: 250_000, minPartitions: 8 };

/**
 * Integer keys at most this many times sparser than their rows (`(max - min + 1) / rows`) are cut in even
 * steps, from `min`, `max` and a count (Flink CDC's even-distribution factor); others at quantiles.
 */
export const EVEN_SPREAD = 4;

/** How many partitions `rows` source rows make. */
export function partitionCount(rows: number, options: PartitioningOptions): number {
  return Math.max(1, Math.ceil(rows / options.rowsPerPartition), Math.min(options.minPartitions, rows));
}

/**
 * The ranges that cut points (strictly increasing in key order, below `last`) make up to `last`, the
 * highest key there was: `(null, c1]`, `(c1, c2]`, …, `(ck, last]`. Bounded above, so the last
 * partition ends where the key space ended: keys written later above `last` (an orders table's serial
 * key) are the stream's from the watermark, however fast they come.
 */
export function rangesFromCuts(
  cuts: readonly (readonly KeyValue[])[],
  last: readonly KeyValue[],
): KeyRange[] {
  const bounds = [null, ...cuts, last];
  return bounds.slice(1).map((upTo, i) => ({ after: bounds[i], upTo }));
}

/** Cut points in even steps over `[min, max]` of one integer column (exact with bigint arithmetic). */
export function evenCuts(key: KeyColumn, min: KeyValue, max: KeyValue, parts: number): KeyValue[][] {
  const low = BigInt(min);
  const span = BigInt(max) - low + 1n;
  const count = BigInt(Math.max(1, parts));
  const step = (span + count - 1n) / count;
  const cuts: KeyValue[][] = [];
  for (let i = 1n; i < count; i++) {
    const cut = low + step * i - 1n;
    if (cut >= BigInt(max)) break;
    cuts.push([key.kind === 'number' ? Number(cut) : cut.toString()]);
  }
  return cuts;
}

/** Whether a single integer key is spread evenly enough for even steps. */
export function isEvenlySpread(min: KeyValue, max: KeyValue, rows: number): boolean {
  if (rows === 0) return false;
  return Number(BigInt(max) - BigInt(min) + 1n) / rows <= EVEN_SPREAD;
}

export interface KeySpaceCut {
  /** Source rows when the key space was cut. */
  readonly rows: number;
  /** The partitions' ranges, in key order, covering every key there was exactly once; none without rows. */
  readonly ranges: readonly KeyRange[];
  /** How the cut points were found. */
  readonly method: 'even' | 'quantiles';
}

/**
 * Cuts a source's key space, as it stands, into partitions of about `rowsPerPartition` rows: even steps
 * for a single integer key spread evenly (three index lookups and a count), otherwise at quantiles of
 * the rows in the key's SQL order (`collate "C"` for text), the order of the primary-key index each
 * partition scans. The last partition ends at the highest key; a table without rows has no partitions.
 * Run it on the watermark's snapshot (`inSnapshot`) and the partitions hold the key space as it stood
 * at the watermark.
 */
export class PartitionCutter {
  private readonly ranges: SourceRanges;

  constructor(private readonly source: CapturedSource) {
    this.ranges = new SourceRanges(source);
  }

  async cut(options: PartitioningOptions): Promise<KeySpaceCut> {
    const { keys, db } = this.source;
    const table = this.source.source.table;
    const integer = keys.length === 1 && (keys[0].kind === 'number' || keys[0].kind === 'bigint');
    const [stats] = await queryRows<{ rows: number; min: string | null; max: string | null }>(
      db,
      integer
        ? sql`select count(*)::float8 as rows, min(${keys[0].column})::text as min, max(${keys[0].column})::text as max from ${table}`
        : sql`select count(*)::float8 as rows, null as min, null as max from ${table}`,
    );
    const rows = Number(stats.rows);
    if (rows === 0) return { rows, ranges: [], method: 'even' };
    const parts = partitionCount(rows, options);
    // With rows, an integer key's min and max are there.
    const last = integer ? [keyValueOf(keys[0], stats.max)] : await this.lastKey();
    if (parts === 1) return { rows, ranges: rangesFromCuts([], last), method: 'even' };
    if (integer && isEvenlySpread(stats.min!, stats.max!, rows)) {
      const cuts = evenCuts(keys[0], stats.min!, stats.max!, parts);
      return { rows, ranges: rangesFromCuts(cuts, last), method: 'even' };
    }
    const cuts = await this.ranges.cutPoints(WHOLE_KEY_SPACE, parts);
    return { rows, ranges: rangesFromCuts(cuts, last), method: 'quantiles' };
  }

  /** The highest key, in the key's SQL order (one lookup at the end of the primary-key index). */
  private async lastKey(): Promise<KeyValue[]> {
    const { keys, db } = this.source;
    const columns = keys.map((k, i) => sql`${k.column} as ${sql.identifier(`k${i}`)}`);
    const order = keyOrderSql(keys, tableKeyColumn).map((k) => sql`${k} desc`);
    const [row] = await queryRows<Record<string, unknown>>(
      db,
      sql`select ${sql.join(columns, sql`, `)} from ${this.source.source.table}
        order by ${sql.join(order, sql`, `)} limit 1`,
    );
    return keys.map((k, i) => keyValueOf(k, row[`k${i}`]));
  }
}
