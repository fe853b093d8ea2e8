/**
 * Where a partition worker's time went, in seconds. Its steps run one after the other (a page is read
 * ahead while the one before loads, and only the wait that is left counts as reading), so they add up to
 * the time it spent working partitions; an instance's time beyond that went to waiting for partitions
 * that others hold (and, in the lead, to planning, merging and the stream).
 */
export interface PartitionWorkSeconds {
  /** Claim statements. */
  readonly claiming: number;
  /** Waiting for pages of rows. */
  readonly reading: number;
  /** Normalise, the family's stages and the transform, on this thread. */
  readonly transforming: number;
  /** Bulk requests: their bodies built, their answers awaited, their failed items retried. */
  readonly loading: number;
  /** Cursor commits (with their dead letters). */
  readonly committing: number;
}

export type PartitionWorkStep = keyof PartitionWorkSeconds;

/** What a worker did: partitions finished, rows applied, dead letters recorded, claims lost, and its time. */
export interface PartitionWorkReport {
  readonly partitions: number;
  readonly rows: number;
  readonly deadLetters: number;
  readonly lost: number;
  readonly seconds: PartitionWorkSeconds;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** A report as a worker adds to it. */
export type PartitionWorkTally = Mutable<PartitionWorkReport>;

/** A report that counts nothing yet, for a worker to add to. */
export const emptyPartitionWorkReport = (): PartitionWorkTally => ({
  partitions: 0,
  rows: 0,
  deadLetters: 0,
  lost: 0,
  seconds: { claiming: 0, reading: 0, transforming: 0, loading: 0, committing: 0 },
});

/**
 * Runs `work` and adds the time until it settled to `step` of `report`. A function, not a promise: the
 * synchronous part of an async function (a CPU-bound transform) runs before it returns its promise.
 */
export async function timed<T>(
  report: PartitionWorkTally,
  step: PartitionWorkStep,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    report.seconds[step] += (performance.now() - started) / 1000;
  }
}
