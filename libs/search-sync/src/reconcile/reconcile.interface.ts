import type { SourceChange } from '../family/stage.interface.js';
import type { Checkpoint } from '../keys/change-position.js';
import type { KeyRange } from '../keys/key.range.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';
import type { IndexOperation } from '../pipeline/pipeline.interface.js';

/** Counts and row-version sums of one key range, on one side. */
export interface RangeStats {
  readonly count: number;
  readonly sum: number;
}

/** A key range whose counts or row-version sums differ between the source and a version's index. */
export interface RangeDifference {
  readonly range: KeyRange;
  readonly source: RangeStats;
  readonly index: RangeStats;
}

export interface ReconcileReport {
  readonly version: number;
  readonly index: string;
  /** Key ranges compared by count and row-version sum, all levels together. */
  readonly rangesCompared: number;
  /** Smallest ranges that differed and were compared document by document. */
  readonly leafRanges: number;
  readonly missing: number;
  readonly stale: number;
  readonly orphans: number;
  readonly repaired: number;
  /**
   * Repairs that failed: dead letters now, or refused because the index holds a higher version than the
   * repair's (a write behind the library's back); later syncs of such a document are refused too.
   */
  readonly failed: number;
  /** Documents compared by content (content reconcile only). */
  readonly compared?: number;
}

/** How reconcile compares (see `SearchSyncService.reconcile`). */
export interface ReconcileOptions {
  /**
   * Compare each document's content with what the version makes of its row now, not only counts and
   * row versions: finds documents that changed without their row version (an opted-out relation, a
   * write behind the library's back). Reads every row and every document of the version.
   */
  readonly content?: boolean;
  /**
   * With content: the share of the key space compared, in ranges picked at random (0.01 for 1 %), for a
   * routine check; the whole key space by default.
   */
  readonly sample?: number;
}

/**
 * What reconcile reads of the source: its rows by key range or by key, key ranges cut at quantiles,
 * counts and row-version sums per range as of a checkpoint, and what changed since it.
 */
export interface ReconcileSource {
  readonly keys: readonly KeyColumn[];
  /** Rows whose key lies in `range`, in key order, at most `limit` after the key `after`. */
  readKeyRange(
    range: KeyRange,
    after: readonly KeyValue[] | null,
    limit: number,
  ): Promise<SourceChange<unknown>[]>;
  /** The current rows of these keys. */
  readKeys(keys: readonly (readonly KeyValue[])[]): Promise<SourceChange<unknown>[]>;
  /** Up to `parts - 1` keys that cut `range` into parts of about equal row counts. */
  cutPoints(range: KeyRange, parts: number): Promise<KeyValue[][]>;
  /** Per range, the rows a version with `checkpoint` has applied: count and row-version sum. */
  stats(ranges: readonly KeyRange[], checkpoint: Checkpoint | null): Promise<RangeStats[]>;
  /** Document ids within `span` whose change position is after `checkpoint`. */
  changedSince(checkpoint: Checkpoint, span: KeyRange): Promise<Set<string>>;
  /** Runs `read` on one snapshot of the source, so several reads see the same data. */
  snapshot<T>(read: (source: ReconcileSource) => Promise<T>): Promise<T>;
}

/** What reconcile needs to know of a version. */
export interface ReconcileTarget {
  readonly version: number;
  readonly index: string;
  /** Whether rows can be left out of the version by a JavaScript filter (then the source side is planned, not counted in SQL). */
  readonly filtered: boolean;
}

/** The operations a version's pipeline would produce for these rows (normalise, stages, filter, transform). */
export type VersionPlanner = (
  changes: readonly SourceChange<unknown>[],
  version: number,
) => Promise<readonly IndexOperation[]>;

/** How reconcile cuts the key space. */
export interface ReconcileTuning {
  /** Ranges the key space is cut into at the top level. */
  readonly topRanges: number;
  /** How many parts a differing range is cut into. */
  readonly fanout: number;
  /** Ranges of at most this many rows and documents are compared document by document. */
  readonly leafSize: number;
}
