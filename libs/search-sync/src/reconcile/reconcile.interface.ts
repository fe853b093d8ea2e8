import type { KeyRange } from '../keys/key.range.js';

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
}
