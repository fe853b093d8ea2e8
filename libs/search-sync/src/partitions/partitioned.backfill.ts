import { setTimeout as sleep } from 'node:timers/promises';
import { inSnapshot } from '../capture/captured.source.js';
import { transaction } from '../database/database.transaction.js';
import type { Fence } from '../leases/fence.type.js';
import { lowWatermark } from './backfill.watermark.js';
import { BackfillPlanStore } from './backfill-plan.store.js';
import { PartitionCutter, type PartitioningOptions } from './partition.cutter.js';
import { PartitionStore } from './partition.store.js';
import { type PartitionWork, PartitionWorker } from './partition.worker.js';
import type { PartitionedFamily } from './partitioned-family.interface.js';

/** A version of the backfill group as the run cycle sees it. */
interface BackfillVersion {
  readonly version: number;
  readonly checkpoint: unknown;
}

/**
 * A family's partitioned backfills, as the lease holder runs them. For a new version (no checkpoint
 * yet) it records the low watermark L (a snapshot) and cuts the key space as that snapshot sees it;
 * then it works partitions like every other instance; once every partition is done under its current
 * token, it sets the version's checkpoint to L, and the ordinary backfill stream catches the version up
 * from L to the head, tombstones included. A key's last write before L is read by its partition; every
 * write after L by that stream, and no partition reads it: partitions end whatever the write rate.
 * External versions let the newest win.
 */
export class PartitionedBackfill {
  readonly plans: BackfillPlanStore;
  private readonly worker: PartitionWorker;

  constructor(
    private readonly family: PartitionedFamily,
    private readonly partitioning: PartitioningOptions,
  ) {
    this.plans = new BackfillPlanStore(family.stateSchema);
    this.worker = new PartitionWorker(family, new PartitionStore(family.stateSchema));
  }

  /**
   * The declared versions still backfilling whose partitions are not all merged yet: what any instance
   * may work (a version retired meanwhile is left alone).
   */
  async open(): Promise<number[]> {
    const { db, name } = this.family;
    const [plans, stored] = await Promise.all([
      this.plans.readPlans(db, name),
      this.family.versions.list(db, name),
    ]);
    const backfilling = new Set(
      stored.filter((v) => v.state === 'created' || v.state === 'backfilling').map((v) => v.version),
    );
    return this.family.targets
      .filter((t) => backfilling.has(t.version) && plans.get(t.version)?.mergedAt === null)
      .map((t) => t.version);
  }

  /**
   * Brings the versions of the backfill group that have no checkpoint to the watermark through their
   * partitions: plans those without one, works partitions until none is free, then waits for those
   * claimed elsewhere, and merges. Returns false if stopped before every one merged.
   */
  async run(
    versions: readonly BackfillVersion[],
    work: PartitionWork & { readonly fence?: Fence },
  ): Promise<boolean> {
    const fresh = versions.filter((v) => v.checkpoint === null).map((v) => v.version);
    if (fresh.length === 0) return true;
    await this.plan(fresh, work.fence);
    let open = fresh;
    for (;;) {
      await this.worker.work(open, work);
      const merged = await this.merge(open, work.fence);
      open = open.filter((v) => !merged.includes(v));
      if (open.length === 0) return true;
      if (work.signal?.aborted) return false;
      // Partitions claimed by other instances: wait for them to finish or their claims to run out.
      await sleep(Math.min(1000, work.claimTtlMs / 4), undefined, { signal: work.signal }).catch(() => {});
    }
  }

  /** Works the open partitions of the family (an instance that does not hold the family's lease). */
  async work(work: PartitionWork) {
    return this.worker.work(await this.open(), work);
  }

  /** Records the watermark and the partitions of each version that has no plan yet. */
  private async plan(versions: readonly number[], fence?: Fence): Promise<void> {
    const { db, name, captured } = this.family;
    const plans = await this.plans.readPlans(db, name);
    const missing = versions.filter((v) => !plans.has(v));
    if (missing.length === 0) return;
    // The watermark and the cut on one snapshot: the partitions hold the key space as it stood at L,
    // and read the rows as they stood there; whatever is written since is the stream's from L.
    const { watermark, cut } = await inSnapshot(captured, async (source) => ({
      watermark: lowWatermark(await source.capture.bound(source.db), source.keys),
      cut: await new PartitionCutter(source).cut(this.partitioning),
    }));
    await transaction(db, async (tx) => {
      await fence?.(tx);
      for (const version of missing) await this.plans.plan(tx, name, version, { watermark, ...cut });
    });
  }

  /** Sets the watermark as the checkpoint of each version whose partitions are all done; returns those. */
  private async merge(versions: readonly number[], fence?: Fence): Promise<number[]> {
    const { db, name, captured } = this.family;
    const plans = await this.plans.readPlans(db, name);
    const merged: number[] = [];
    for (const version of versions) {
      const plan = plans.get(version);
      if (!plan) continue;
      const done = await transaction(db, async (tx) => {
        await fence?.(tx);
        if ((await this.plans.remaining(tx, name, version)) > 0) return false;
        await this.family.checkpoints.advance(tx, name, [version], plan.watermark, captured.keys);
        await this.plans.markMerged(tx, name, version);
        return true;
      });
      if (done) merged.push(version);
    }
    return merged;
  }
}
