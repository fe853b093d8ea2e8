import { sql } from 'drizzle-orm';
import type { CapturedSource } from '../capture/captured.source.js';
import { queryRows } from '../database/database.type.js';
import type { KeyColumn } from '../family/sync-source.js';
import { type KeyRange, WHOLE_KEY_SPACE } from '../keys/key.range.js';
import type { KeyValue } from '../pipeline/change-position.js';
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
 * The ranges that cut points (strictly increasing in key order) make: `(null, c1]`, `(c1, c2]`, …,
 * `(ck, null)`. Open at both ends, so keys written later below the first or above the last cut still
 * fall in exactly one range.
 */
export function rangesFromCuts(cuts: readonly (readonly KeyValue[])[]): KeyRange[] {
  const bounds = [null, ...cuts, null];
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
  /** The partitions' ranges, in key order, covering every key exactly once. */
  readonly ranges: readonly KeyRange[];
  /** How the cut points were found. */
  readonly method: 'even' | 'quantiles';
}

/**
 * Cuts a source's key space into partitions of about `rowsPerPartition` rows: even steps for a single
 * integer key spread evenly (three index lookups and a count), otherwise at quantiles of the rows in
 * the key's SQL order (`collate "C"` for text), the order of the primary-key index each partition scans.
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
    const parts = partitionCount(rows, options);
    if (parts === 1) return { rows, ranges: [WHOLE_KEY_SPACE], method: 'even' };
    if (integer && stats.min !== null && stats.max !== null && isEvenlySpread(stats.min, stats.max, rows)) {
      return { rows, ranges: rangesFromCuts(evenCuts(keys[0], stats.min, stats.max, parts)), method: 'even' };
    }
    const cuts = await this.ranges.cutPoints(WHOLE_KEY_SPACE, parts);
    return { rows, ranges: rangesFromCuts(cuts), method: 'quantiles' };
  }
}
