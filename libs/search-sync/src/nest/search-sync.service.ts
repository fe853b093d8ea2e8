import { Inject, Injectable } from '@nestjs/common';
import type { DeadLetter, DeadLetterQuery } from '../dead-letters/dead-letter.interface.js';
import { errorMessage } from '../errors/error-message.util.js';
import { openSearchFailure } from '../errors/opensearch-failure.util.js';
import type { SyncObserver } from '../events/sync-event.interface.js';
import type { VersionPlanReport } from '../plan/plan.interface.js';
import { type PlanOptions, planVersion } from '../plan/version.plan.js';
import type { ReconcileOptions, ReconcileReport } from '../reconcile/reconcile.interface.js';
import { type RunRecord, RunStore } from '../runs/run.store.js';
import type { SyncResult } from '../sync/family.runner.js';
import type { ReplayReport, RunOptions, RunRequestOptions } from '../sync/sync.interface.js';
import { SEARCH_SYNC_CONTEXT } from './search-sync.constants.js';
import type { SearchSyncContext } from './search-sync.context.js';
import { SearchSyncRegistry } from './search-sync.registry.js';
import type { FamilyStatus } from './search-sync-status.interface.js';

/** What applications call: runs, status, dead letters and replay of the declared families. */
@Injectable()
export class SearchSyncService {
  private readonly runs: RunStore;

  constructor(
    private readonly registry: SearchSyncRegistry,
    @Inject(SEARCH_SYNC_CONTEXT) private readonly context: SearchSyncContext,
  ) {
    this.runs = new RunStore(context.stateSchema);
  }

  families(): string[] {
    return this.registry.all().map((r) => r.family);
  }

  /**
   * One run of the family up to the horizon. If this or another instance is running it already, the
   * result is `skipped` with who holds it, at once: runs of a family never overlap and never queue.
   */
  sync(family: string, options: RunRequestOptions = {}): Promise<SyncResult> {
    return this.registry.get(family).runner.run(options);
  }

  /**
   * Runs until the versions still backfilling reach the head (the caught-up versions are synced again
   * every `liveIntervalMs` meanwhile), then they go live. New versions start backfilling by themselves
   * at the next scheduled run too; this is for doing it now, with progress.
   */
  backfill(family: string, options: Pick<RunOptions, 'onBatch' | 'signal'> = {}): Promise<SyncResult> {
    return this.registry.get(family).runner.run(options);
  }

  /**
   * Under the family's lease: syncs the caught-up versions to the horizon (so the version stands where
   * the serving one does), then points the alias at `version` in one atomic `_aliases` request if it is
   * live and passes the parity check (counts and row-version sums per key range); otherwise throws
   * LifecycleRefusedError saying why.
   */
  promote(family: string, version: number) {
    const { runner } = this.registry.get(family);
    return runner.exclusive(
      async (fence, leaseLost) => {
        await runner.sync.catchUp({ fence, leaseLost });
        return runner.sync.promote(version, { fence });
      },
      // An unknown version is told at once, not after waiting for the lease (here and below).
      { check: () => runner.sync.assertVersion(version, { declared: true }) },
    );
  }

  /** Under the family's lease: points the alias back at the version that served before (it stayed live). */
  rollback(family: string) {
    const { runner } = this.registry.get(family);
    return runner.exclusive((fence) => runner.sync.rollback({ fence }));
  }

  /**
   * Under the family's lease, so no run is writing to the version meanwhile: stops syncing it (not the
   * serving one); its index is deleted after `graceMs` (default a day).
   */
  retire(family: string, version: number, options: { graceMs?: number } = {}) {
    const { runner } = this.registry.get(family);
    return runner.exclusive((fence) => runner.sync.retire(version, options.graceMs, { fence }), {
      check: () => runner.sync.assertVersion(version),
    });
  }

  /**
   * Compares the versions (or one) with the source by key ranges, repairs what differs, reports it. With
   * `{ content: true }` every document's content is compared too (`sample` for a share of them).
   */
  reconcile(family: string, options?: ReconcileOptions): Promise<ReconcileReport[]>;
  reconcile(family: string, version?: number, options?: ReconcileOptions): Promise<ReconcileReport[]>;
  reconcile(
    family: string,
    versionOrOptions?: number | ReconcileOptions,
    options?: ReconcileOptions,
  ): Promise<ReconcileReport[]> {
    const { runner } = this.registry.get(family);
    const [version, how] =
      typeof versionOrOptions === 'object' ? [undefined, versionOrOptions] : [versionOrOptions, options];
    return runner.exclusive(() => runner.sync.reconcile(version, how), {
      check: () => runner.sync.assertVersion(version),
    });
  }

  /**
   * What a declared version would do before it is created (or while it backfills): its mapping and
   * settings diff against the serving version, the documents it would hold, sampled rows side by side
   * (serving against planned), the sampled documents its mapping refuses (bulk-loaded into a trial index,
   * deleted afterwards) and an estimate of its backfill time measured now. Writes no state: no version
   * registered, no row in the library's tables, no index left behind. Reads the whole table once.
   */
  plan(family: string, version: number, options: PlanOptions = {}): Promise<VersionPlanReport> {
    return planVersion(this.registry.get(family).definition, this.context.sync, version, options);
  }

  /**
   * Per family (all, or one) and version: state, checkpoint, pending changes, lag, documents and whether
   * their count is what the checkpoint implies, dead letters; where the alias really points; last run.
   */
  async status(family?: string): Promise<FamilyStatus[]> {
    const registrations = family ? [this.registry.get(family)] : this.registry.all();
    return Promise.all(
      registrations.map(async ({ className, family: name, schedule, runner }) => {
        const versions = await runner.sync.status();
        // Status answers from the database when OpenSearch cannot: what it would say is left out, not
        // made up, and why is said.
        const cluster = await runner.sync.aliasStatus().then(
          (alias) => ({ alias, clusterError: null }),
          (error: unknown) => ({ alias: null, clusterError: errorMessage(openSearchFailure(error)) }),
        );
        return {
          family: name,
          className,
          schedule: schedule ?? null,
          running: runner.running,
          versions,
          ...cluster,
          lastRun: (await this.runs.last(this.context.db, name)) ?? null,
          horizon: await runner.sync.horizonStatus(),
          related: await runner.sync.relatedStatus(),
        };
      }),
    );
  }

  /** Changes the next run of the family would read (for progress bars and ETAs). */
  pendingChanges(family: string): Promise<number> {
    return this.registry.get(family).runner.sync.pendingChanges();
  }

  deadLetters(family: string, query: Omit<DeadLetterQuery, 'family'> = {}): Promise<DeadLetter[]> {
    return this.registry.get(family).runner.sync.deadLetters(query);
  }

  /** Under the family's lease: sends open dead letters again from the source as it is now; resolves those that succeed. */
  replay(family: string, query: Omit<DeadLetterQuery, 'family'> = {}): Promise<ReplayReport> {
    const { runner } = this.registry.get(family);
    return runner.exclusive((fence) => runner.sync.replay(query, { fence }), {
      check: () => runner.sync.assertVersion(query.version),
    });
  }

  /**
   * Tells `observer` what the families' work does from now on (bulk requests, retries, operations,
   * batches, runs, leases), for metrics or logs; the function returned stops it. Observers are called on
   * the path of the work: keep them quick (what they throw is ignored).
   */
  observe(observer: SyncObserver): () => void {
    return this.context.events.subscribe(observer);
  }

  /** The run log of a family, oldest first: every run and skip of every instance. */
  runLog(family: string): Promise<RunRecord[]> {
    this.registry.get(family);
    return this.runs.list(this.context.db, family);
  }
}
