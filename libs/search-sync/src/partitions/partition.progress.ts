import type { BackfillPlan, PartitionRecord } from './backfill-plan.store.js';

/** One instance's share of a partitioned backfill. */
export interface PartitionInstanceProgress {
  readonly holder: string;
  /** Partitions it holds now (claims not run out). */
  readonly claimed: number;
  /** Partitions it finished. */
  readonly done: number;
  /** Rows it applied under its current claims (and the claims it finished). */
  readonly rows: number;
  /** Its rate over those claims; null before its first commit. */
  readonly rowsPerSecond: number | null;
}

/** Where a version's partitioned backfill stands (before its stream catches up from the watermark). */
export interface PartitionProgress {
  readonly total: number;
  readonly done: number;
  /** Claimed by an instance whose claim has not run out. */
  readonly claimed: number;
  /** Not claimed yet, or claimed by an instance whose claim ran out (anyone takes it next, from its cursor). */
  readonly waiting: number;
  /** Rows applied by the partitions so far. */
  readonly rows: number;
  /** Source rows when the key space was cut. */
  readonly estimatedRows: number;
  /** Rows per second since the backfill was planned, all instances together. */
  readonly rowsPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly instances: readonly PartitionInstanceProgress[];
}

/** Rows the version's partitions applied. */
const partitionRows = (version: number, partitions: readonly PartitionRecord[]) =>
  partitions.reduce((sum, p) => (p.version === version ? sum + p.rows : sum), 0);

/**
 * What a version's partitioned backfill has applied, as status counts it (`done`): its partitions' rows
 * until the merge; from the merge on, those rows and the changes the stream applied since the
 * watermark (`afterWatermark` changes after L, less the `pending` ones still after the checkpoint).
 * At the merge the checkpoint is L and the two agree: done goes on from where the partitions left it.
 */
export function partitionedDone(
  plan: BackfillPlan,
  partitions: readonly PartitionRecord[],
  afterWatermark: number,
  pending: number,
): number {
  const rows = partitionRows(plan.version, partitions);
  return plan.mergedAt === null ? rows : rows + Math.max(0, afterWatermark - pending);
}

/** A version's partition progress from its plan and its partitions' rows, as of `now`. */
export function partitionProgress(
  plan: BackfillPlan,
  partitions: readonly PartitionRecord[],
  now: number = Date.now(),
): PartitionProgress {
  const own = partitions.filter((p) => p.version === plan.version);
  const count = (test: (p: PartitionRecord) => boolean) => own.filter(test).length;
  const rows = partitionRows(plan.version, own);
  const seconds = (now - plan.createdAt.getTime()) / 1000;
  const rate = seconds > 0 && rows > 0 ? rows / seconds : null;
  const left = Math.max(0, plan.rows - rows);
  const holders = new Map<string, { claimed: number; done: number; rows: number; seconds: number }>();
  for (const p of own) {
    if (p.holder === null || p.state === 'waiting') continue;
    const entry = holders.get(p.holder) ?? { claimed: 0, done: 0, rows: 0, seconds: 0 };
    if (p.state === 'done') entry.done++;
    else if (!p.expired) entry.claimed++;
    entry.rows += p.claimRows;
    entry.seconds += p.claimSeconds;
    holders.set(p.holder, entry);
  }
  return {
    total: own.length,
    done: count((p) => p.state === 'done'),
    claimed: count((p) => p.state === 'claimed' && !p.expired),
    waiting: count((p) => p.state === 'waiting' || (p.state === 'claimed' && p.expired)),
    rows,
    estimatedRows: plan.rows,
    rowsPerSecond: rate === null ? null : Math.round(rate),
    etaSeconds: rate === null ? null : Math.round(left / rate),
    instances: [...holders]
      .map(([holder, e]) => ({
        holder,
        claimed: e.claimed,
        done: e.done,
        rows: e.rows,
        rowsPerSecond: e.seconds > 0 && e.rows > 0 ? Math.round(e.rows / e.seconds) : null,
      }))
      .sort((a, b) => (a.holder < b.holder ? -1 : a.holder > b.holder ? 1 : 0)),
  };
}
