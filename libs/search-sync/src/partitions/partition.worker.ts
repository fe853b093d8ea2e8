import { hostname } from 'node:os';
import { SourceRows } from '../capture/source.rows.js';
import { transaction } from '../database/database.transaction.js';
import { PartitionLostError } from '../errors/partition-lost.error.js';
import type { PartitionEvent } from '../events/sync-event.interface.js';
import type { SourceChange } from '../family/stage.interface.js';
import type { Loader } from '../pipeline/load.stage.js';
import { ClaimGuard } from './partition.guard.js';
import type { PartitionClaim, PartitionStore } from './partition.store.js';
import {
  emptyPartitionWorkReport,
  type PartitionWorkReport,
  type PartitionWorkTally,
  timed,
} from './partition-work.report.js';
import type { PartitionedFamily } from './partitioned-family.interface.js';

/** Who works partitions, for how long a claim lasts, and when to stop. */
export interface PartitionWork {
  /** This instance's name in the partitions' `holder`. */
  readonly holder: string;
  /** How long a claim lasts without renewal (renewed every TTL/3 and at every commit). */
  readonly claimTtlMs: number;
  /** Stops between pages: the page being loaded finishes and commits, the claim is given back. */
  readonly signal?: AbortSignal;
  /** Told what each round of work did (until no partition was free), with where its time went. */
  readonly onReport?: (report: PartitionWorkReport) => void;
}

/**
 * How long, as a share of the claim's TTL, a cursor commit may keep its partition's row locked (see
 * `PartitionStore.boundHold`). The last renewal committed at most TTL/3 before a holder stalls, so its
 * claim runs out no sooner than 2/3 TTL later: half the TTL frees the row before that, and a frozen holder
 * is taken over when a dead one would be, while a live one still has half a TTL inside one commit.
 */
const HOLD_SHARE = 0.5;

/** Who works partitions when a run does not say: this process, with 30 s claims. */
export const DEFAULT_PARTITION_WORK: Pick<PartitionWork, 'holder' | 'claimTtlMs'> = {
  holder: `${hostname()}:${process.pid}`,
  claimTtlMs: 30_000,
};

/**
 * Works the partitions of a family's partitioned backfills: claims one, reads it in key order from its
 * cursor (one statement per page, relations in it: a range scan of the primary-key index), sends each
 * page to the version's index alone (row versions as external versions), and moves the cursor forward in
 * the same transaction as the page's dead letters, checked against the claim's token. The next page is
 * read while the current one loads. A claim lost midway stops at once (nothing more is sent for it) and
 * the worker goes on with another partition.
 */
export class PartitionWorker {
  private readonly rows: SourceRows;

  constructor(
    private readonly family: PartitionedFamily,
    private readonly store: PartitionStore,
  ) {
    this.rows = new SourceRows(family.captured);
  }

  /** Claims and works partitions of `versions` until none is free or `work.signal` stops it. */
  async work(versions: readonly number[], work: PartitionWork): Promise<PartitionWorkReport> {
    const { db, name } = this.family;
    const report = emptyPartitionWorkReport();
    while (!work.signal?.aborted) {
      const asked = performance.now();
      const claim = await timed(report, 'claiming', () =>
        this.store.claim(db, name, versions, work.holder, work.claimTtlMs),
      );
      if (!claim) break;
      this.tell(claim, 'claimed');
      const guard = new ClaimGuard(claim, this.store, db, work.claimTtlMs, asked);
      try {
        if (await this.runClaim(guard, work, report)) report.partitions++;
      } catch (error) {
        if (!(error instanceof PartitionLostError)) throw error;
        report.lost++;
        this.tell(claim, 'lost');
      } finally {
        await guard.stop();
      }
    }
    work.onReport?.(report);
    return report;
  }

  /** Works one claimed partition to its end (true) or until stopped (false, the claim given back). */
  private async runClaim(
    guard: ClaimGuard,
    work: PartitionWork,
    report: PartitionWorkTally,
  ): Promise<boolean> {
    const { claim } = guard;
    const { db, name, options } = this.family;
    const target = this.family.targets.find((t) => t.version === claim.version);
    if (!target) throw new Error(`version ${claim.version} of family "${name}" is not declared here`);
    // A bulk write would create a missing index again (with dynamic mappings): look before writing.
    await this.family.indexes.assertOwned([target]);
    const pageSize = options.batchSize ?? 1000;
    const loader = this.family.partitionLoader(() => {
      guard.check();
      this.tell(claim, 'bulk');
    });
    const read = (after: PartitionClaim['cursor']) =>
      this.rows.readKeyRange(claim.range, after, pageSize, claim.watermark);
    let page = await timed(report, 'reading', () => read(claim.cursor));
    for (;;) {
      const last = page.length < pageSize;
      // Read ahead while this page loads: the cursor it starts from is known already.
      const next = last ? null : read(page[page.length - 1].key);
      next?.catch(() => {});
      const letters = await this.load(page, target, loader, guard, report);
      await timed(report, 'committing', () =>
        guard.confirm(() =>
          transaction(db, async (tx) => {
            await this.store.boundHold(tx, work.claimTtlMs * HOLD_SHARE);
            const moved =
              page.length === 0 ||
              (await this.store.advance(
                tx,
                claim,
                page[page.length - 1].key,
                page.length,
                work.claimTtlMs,
                this.family.captured.keys,
              ));
            if (!moved) return false;
            await this.family.deadLetters.record(tx, name, letters);
            return last ? this.store.finish(tx, claim) : true;
          }),
        ),
      );
      report.rows += page.length;
      report.deadLetters += letters.length;
      if (last) {
        this.tell(claim, 'done');
        return true;
      }
      if (work.signal?.aborted) {
        await this.store.release(db, claim);
        this.tell(claim, 'released');
        return false;
      }
      page = await timed(report, 'reading', () => next!);
    }
  }

  /** One page planned for the version alone and loaded; its dead letters (plan's and load's). */
  private async load(
    page: readonly SourceChange<unknown>[],
    target: PartitionedFamily['targets'][number],
    loader: Loader,
    guard: ClaimGuard,
    report: PartitionWorkTally,
  ) {
    if (page.length === 0) return [];
    const planned = await timed(report, 'transforming', () =>
      this.family.plan(page, [{ ...target, checkpoint: null }]),
    );
    guard.check();
    const result = await timed(report, 'loading', () => loader(planned.operations, guard.signal));
    return [...planned.deadLetters, ...result.deadLetters];
  }

  private tell(claim: PartitionClaim, action: PartitionEvent['action']): void {
    const { version, partition, holder, token } = claim;
    this.family.observe?.({
      type: 'partition',
      family: this.family.name,
      version,
      partition,
      holder,
      token,
      action,
    });
  }
}
