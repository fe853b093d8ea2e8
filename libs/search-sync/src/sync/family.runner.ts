import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors/error-message.util.js';
import { LeaseBusyError } from '../errors/lease-busy.error.js';
import { serviceFailure } from '../errors/service-failure.util.js';
import { safeObserver } from '../events/sync-event.hub.js';
import type { RunEvent, SyncObserver } from '../events/sync-event.interface.js';
import type { Fence } from '../leases/fence.type.js';
import { RunStore } from '../runs/run.store.js';
import { linkedSignal } from '../utils/abort.util.js';
import { FamilyLease, type FamilyLeaseOptions } from './family.lease.js';
import type { FamilySync } from './family.sync.js';
import type { RunReport, RunRequestOptions } from './sync.interface.js';

export type SyncResult =
  | { readonly outcome: 'completed'; readonly report: RunReport }
  | { readonly outcome: 'skipped'; readonly reason: string };

export interface FamilyRunnerOptions extends FamilyLeaseOptions {
  /** Told of each run's outcome, and when the lease is taken and given back (metrics). */
  readonly observer?: SyncObserver;
  /** Told why work in the background failed (backfill partitions worked without the lease): logs. */
  readonly onBackgroundError?: (error: Error) => void;
}

/**
 * Runs of one family that never overlap: in this process (a run already going makes the next one
 * skip), and across processes (the family's lease, `FamilyLease`). Every run is written to the run log.
 */
export class FamilyRunner {
  private current: Promise<SyncResult> | null = null;
  /** Backfill partitions this instance works while another holds the family's lease. */
  private partitionWork: Promise<void> | null = null;
  private readonly controller = new AbortController();
  private readonly runs: RunStore;
  private readonly familyLease: FamilyLease;
  private readonly observe?: SyncObserver;

  constructor(
    readonly sync: FamilySync,
    private readonly options: FamilyRunnerOptions,
  ) {
    this.runs = new RunStore(options.stateSchema);
    this.observe = safeObserver(options.observer);
    this.familyLease = new FamilyLease(sync.name, options, this.runs, this.observe);
  }

  /** Whether `stop()` was called: the instance is shutting down and starts no run. */
  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** One run up to the horizon, or a skip that says who is running the family already. */
  run(options: RunRequestOptions = {}): Promise<SyncResult> {
    const started = performance.now();
    const ended = (outcome: RunEvent['outcome']) =>
      this.observe?.({
        type: 'run',
        family: this.sync.name,
        outcome,
        durationSeconds: (performance.now() - started) / 1000,
      });
    if (this.controller.signal.aborted) {
      ended('skipped');
      return Promise.resolve({ outcome: 'skipped', reason: 'this instance is shutting down' });
    }
    if (this.current) {
      ended('skipped');
      return Promise.resolve({
        outcome: 'skipped',
        reason: `held by ${this.options.holder} (this instance)`,
      });
    }
    const run = this.runWithLease(options, ended)
      .catch((error: unknown) => {
        ended('failed');
        throw serviceFailure(this.sync.name, error);
      })
      .finally(() => {
        this.current = null;
      });
    this.current = run;
    return run;
  }

  /**
   * Runs `work` while holding the family's lease, so no run of any instance changes the indexes
   * meanwhile (promote, rollback, retire, reconcile, replay); `work` gets the fence for commits of its
   * own. Waits for a run in progress, up to `waitMs`; `check` (an unknown version) fails the work before
   * it waits for another instance.
   */
  async exclusive<T>(
    work: (fence: Fence, leaseLost: AbortSignal) => Promise<T>,
    { waitMs = 120_000, check }: { waitMs?: number; check?: () => Promise<void> } = {},
  ): Promise<T> {
    const { holder } = this.options;
    const deadline = Date.now() + waitMs;
    let checked = check === undefined;
    let told = false;
    // While the work goes on, runs of this instance skip, as they do for a run in progress.
    const busy = { outcome: 'skipped', reason: `held by ${holder} (this instance)` } as const;
    for (;;) {
      while (this.current) await this.current.catch(() => undefined);
      // Claimed before the lease is asked for: a run or other work of this instance asking meanwhile
      // would take it again under a new token, and void the one this work holds.
      let done!: () => void;
      this.current = new Promise<SyncResult>((resolve) => {
        done = () => resolve(busy);
      }).finally(() => {
        this.current = null;
      });
      try {
        if (!checked) {
          await check?.();
          checked = true;
        }
        const attempt = await this.familyLease.acquire();
        if (attempt.acquired) return await this.familyLease.hold(attempt.lease, work);
        if (Date.now() > deadline) throw new LeaseBusyError(this.sync.name, attempt.heldBy);
        if (!told) {
          // Once: whoever waits (an operator at the command line) learns for whom, and for how long at most.
          const { heldBy, expiresAt } = attempt;
          this.observe?.({ type: 'lease-wait', family: this.sync.name, heldBy, expiresAt, waitMs });
          told = true;
        }
      } catch (error) {
        throw serviceFailure(this.sync.name, error);
      } finally {
        done();
      }
      await sleep(200);
    }
  }

  /**
   * Lets the batch in flight finish and commit, starts no other, and waits for the run to end (and for
   * partition work to give its claim back).
   */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all([this.current?.catch(() => undefined), this.partitionWork]);
  }

  /**
   * While another instance holds the family's lease, this one still works the partitions of its
   * partitioned backfills, in the background until none is free (a later skipped run looks again).
   * Claims last the lease's TTL. Failures go to `onBackgroundError`, never thrown.
   */
  private takePartitions(): void {
    if (!this.sync.partitionedBackfill || this.partitionWork || this.controller.signal.aborted) return;
    const { holder, leaseTtlMs } = this.options;
    this.partitionWork = this.sync
      .workPartitions({ holder, claimTtlMs: leaseTtlMs, signal: this.controller.signal })
      .then(
        () => undefined,
        (error: unknown) => {
          const failure = serviceFailure(this.sync.name, error);
          this.options.onBackgroundError?.(failure instanceof Error ? failure : new Error(String(failure)));
        },
      )
      .finally(() => {
        this.partitionWork = null;
      });
  }

  private async runWithLease(
    options: RunRequestOptions,
    ended: (outcome: RunEvent['outcome']) => void,
  ): Promise<SyncResult> {
    const { db, holder } = this.options;
    const family = this.sync.name;
    const attempt = await this.familyLease.acquire();
    if (!attempt.acquired) {
      await this.runs.start(db, family, holder, null, 'skipped');
      this.takePartitions();
      ended('skipped');
      return { outcome: 'skipped', reason: `held by ${attempt.heldBy}` };
    }
    const { lease } = attempt;
    const runId = await this.runs.start(db, family, holder, lease.token);
    const { signal, dispose } = linkedSignal([options.signal, this.controller.signal]);
    try {
      const partitions = { holder, claimTtlMs: this.options.leaseTtlMs };
      const report = await this.familyLease.hold(lease, (fence, leaseLost) =>
        this.sync.run({ ...options, signal, fence, leaseLost, partitions }),
      );
      const outcome = signal.aborted ? 'stopped' : 'succeeded';
      await this.runs.finish(db, runId, {
        outcome,
        changes: report.changes,
        batches: report.batches,
        deadLetters: report.deadLetters,
      });
      ended(outcome);
      return { outcome: 'completed', report };
    } catch (error) {
      // The run log says what the caller is told: the service that failed and what to check.
      const failure = serviceFailure(family, error);
      await this.runs
        .finish(db, runId, {
          outcome: 'failed',
          error: errorMessage(failure),
        })
        .catch(() => undefined);
      throw failure;
    } finally {
      dispose();
    }
  }
}
