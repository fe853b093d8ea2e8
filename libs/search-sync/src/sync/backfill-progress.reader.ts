import type { ChangeCounter } from '../capture/change.counter.js';
import type { BackfillPlan, PartitionRecord } from '../partitions/backfill-plan.store.js';
import { partitionedDone, partitionProgress } from '../partitions/partition.progress.js';
import type { BackfillProgress } from './sync.interface.js';

/** The backfill running in this process: its rate makes the ETA in status. */
export interface BackfillInProcess {
  readonly versions: readonly number[];
  readonly started: number;
  /** Changes applied so far, counted by the run as it commits. */
  changes: number;
}

/** A version's partitioned backfill: its plan and the family's partitions. */
type PartitionedPlan = { readonly plan: BackfillPlan; readonly partitions: readonly PartitionRecord[] };

/** Backfill progress as status shows it, and what it showed before: `done` never goes back in this process. */
export class BackfillProgressReader {
  /** The backfill progress reported so far per version. */
  private readonly reported = new Map<number, number>();

  constructor(private readonly inProcess: () => BackfillInProcess | null) {}

  /**
   * How far a version's backfill is, `pending` changes after its checkpoint (counted by `counter`, on the
   * snapshot status reads). Done is what it has applied: a write to a row it already passed moves that row
   * after its checkpoint, which adds work (total grows) but does not undo any, so done never goes back
   * in this process; total is done plus the changes still pending. A partitioned backfill's done is its
   * partitions' rows, then, from the merge, those and what the stream applied since the watermark.
   */
  async read(
    version: number,
    pending: number,
    counter: ChangeCounter,
    partitioned?: PartitionedPlan,
  ): Promise<BackfillProgress> {
    const done = Math.max(
      0,
      partitioned
        ? await this.partitionedDone(partitioned, pending, counter)
        : (await counter.countAfter(null)) - pending,
      this.reported.get(version) ?? 0,
    );
    this.reported.set(version, done);
    if (partitioned && partitioned.plan.mergedAt === null) {
      // Before the merge the version has no checkpoint: the partitions are its progress.
      const progress = partitionProgress(partitioned.plan, partitioned.partitions);
      const { estimatedRows, rowsPerSecond, etaSeconds } = progress;
      return { done, total: Math.max(done, estimatedRows), rowsPerSecond, etaSeconds, partitions: progress };
    }
    const backfill = this.inProcess();
    const current = backfill?.versions.includes(version) ? backfill : null;
    const seconds = current ? (Date.now() - current.started) / 1000 : 0;
    const rate = current && seconds > 0 ? current.changes / seconds : null;
    return {
      done,
      total: done + pending,
      rowsPerSecond: rate === null ? null : Math.round(rate),
      etaSeconds: rate ? Math.round(pending / rate) : null,
      partitions: null,
    };
  }

  /** A partitioned backfill's done: its partitions' rows, and from the merge what the stream applied since. */
  private async partitionedDone(
    { plan, partitions }: PartitionedPlan,
    pending: number,
    counter: ChangeCounter,
  ): Promise<number> {
    const afterWatermark = plan.mergedAt ? await counter.countAfter(plan.watermark) : 0;
    return partitionedDone(plan, partitions, afterWatermark, pending);
  }
}
