import type { BulkLoaderOptions } from 'search-sync';

export type BulkSettings = Omit<BulkLoaderOptions, 'retry' | 'throttle'>;

/**
 * The bulk settings every comparison uses on both sides (written out rather than taken from the library,
 * so the raw baselines are guaranteed the same request size and concurrency). They are the library's
 * defaults at the time of writing; the tuning case measures alternatives.
 */
export const BENCH_BULK: BulkSettings = { maxOperations: 1000, maxBytes: 5 * 1024 * 1024, concurrency: 2 };

/** Source rows per batch, and the raw read's page size: the library's default. */
export const BENCH_BATCH_SIZE = 1000;

export interface BenchConfig {
  readonly quick: boolean;
  /** Rows of the main data set (throughput, reads, tuning). */
  readonly rows: number;
  readonly versionCounts: readonly number[];
  /** Alternating raw/e2e pairs per version count. */
  readonly throughputRepetitions: number;
  readonly readsRepetitions: number;
  /** Data set sizes whose sync peak RSS is compared, smallest first. */
  readonly memoryRows: readonly number[];
  readonly freshness: {
    /** Rows already in the live data set before writes start (the catch-up is the warm-up). */
    readonly seedRows: number;
    readonly writesPerSecond: number;
    readonly writeSeconds: number;
    readonly scheduleIntervalMs: number;
    readonly pollIntervalMs: number;
  };
  readonly related: {
    /** Products that point to the renamed category. */
    readonly products: number;
    /** How long the case waits for every document to show the new name. */
    readonly timeoutMs: number;
  };
  readonly tuning: {
    readonly maxOperations: readonly number[];
    readonly concurrency: readonly number[];
  };
  readonly migration: {
    /** Rows the new version backfills (the memory case's smaller data set: seeded once for both). */
    readonly rows: number;
    /** Updates of existing rows per second while the backfill runs (the row count stays the same). */
    readonly writesPerSecond: number;
    /** How long each run lets the backfill stream, as a schedule of that interval would. */
    readonly backfillBudgetMs: number;
    /** How often the live version is synced again while the backfill streams (the library default). */
    readonly liveIntervalMs: number;
    readonly pollIntervalMs: number;
  };
}

/**
 * Sizes chosen so the whole run fits its budget on a 2-core machine (about 10k documents/s end to end):
 * under 2 minutes with --quick, under 15 minutes by default.
 */
export function benchConfig(quick: boolean): BenchConfig {
  return {
    quick,
    rows: quick ? 10_000 : 50_000,
    versionCounts: [1, 2, 4],
    throughputRepetitions: quick ? 1 : 3,
    readsRepetitions: quick ? 1 : 2,
    memoryRows: quick ? [20_000, 100_000] : [100_000, 1_000_000],
    freshness: {
      seedRows: 2_000,
      writesPerSecond: 20,
      writeSeconds: quick ? 8 : 20,
      scheduleIntervalMs: 1_000,
      pollIntervalMs: 100,
    },
    related: { products: quick ? 5_000 : 20_000, timeoutMs: 60_000 },
    tuning: quick
      ? { maxOperations: [500, 2000], concurrency: [1, 4] }
      : { maxOperations: [500, 1000, 2000], concurrency: [1, 2, 4] },
    migration: {
      rows: quick ? 20_000 : 100_000,
      writesPerSecond: 20,
      backfillBudgetMs: 2_000,
      liveIntervalMs: 1_000,
      pollIntervalMs: 100,
    },
  };
}
