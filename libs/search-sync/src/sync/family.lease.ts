import type { SyncDatabase } from '../database/database.type.js';
import { LeaseLostError } from '../errors/lease-lost.error.js';
import type { SyncObserver } from '../events/sync-event.interface.js';
import type { Fence } from '../leases/fence.type.js';
import type { Lease, LeaseAttempt } from '../leases/lease.store.js';
import { LeaseStore } from '../leases/lease.store.js';
import type { RunStore } from '../runs/run.store.js';

export interface FamilyLeaseOptions {
  readonly db: SyncDatabase;
  readonly stateSchema: string;
  /** This instance's name in leases and the run log. */
  readonly holder: string;
  readonly leaseTtlMs: number;
}

/**
 * A family's lease as this instance takes and holds it, for a run or for exclusive work: a lease row
 * with a fencing token that every checkpoint commit renews, so an instance that lost its lease cannot
 * record progress.
 */
export class FamilyLease {
  private readonly leases: LeaseStore;

  constructor(
    private readonly family: string,
    private readonly options: FamilyLeaseOptions,
    private readonly runs: RunStore,
    private readonly observe?: SyncObserver,
  ) {
    this.leases = new LeaseStore(options.stateSchema);
  }

  /**
   * Takes the family's lease if it is free; whoever takes it closes the runs an earlier holder left
   * running, so the run log and status do not show a dead instance's run as going on forever.
   */
  async acquire(): Promise<LeaseAttempt> {
    const { db, holder, leaseTtlMs } = this.options;
    const attempt = await this.leases.acquire(db, this.family, holder, leaseTtlMs);
    if (attempt.acquired) await this.runs.abandon(db, this.family, attempt.lease.token, holder);
    return attempt;
  }

  /**
   * Runs `work` while renewing the lease in the background (every TTL/3), since a run or a reconcile can
   * outlast its expiry and a slow cluster can hold one bulk request for longer. Once the lease is lost (an
   * instance took over after a stall, or renewals failed until it may have expired), `leaseLost` is
   * aborted so the work sends nothing more, and the work fails with `LeaseLostError`.
   */
  async hold<T>(lease: Lease, work: (fence: Fence, leaseLost: AbortSignal) => Promise<T>): Promise<T> {
    const { db, leaseTtlMs } = this.options;
    const lost = new AbortController();
    const lose = () => lost.abort(new LeaseLostError(lease.family, lease.holder));
    let renewedAt = Date.now();
    let renewing: Promise<void> = Promise.resolve();
    this.observe?.({ type: 'lease', family: lease.family, held: true });
    const renewal = setInterval(
      () => {
        renewing = this.leases.renew(db, lease, leaseTtlMs).then(
          (renewed) => {
            if (renewed) renewedAt = Date.now();
            else lose();
          },
          // Unreachable database: the lease counts as lost once it may have expired.
          () => {
            if (Date.now() - renewedAt >= leaseTtlMs) lose();
          },
        );
      },
      Math.max(100, leaseTtlMs / 3),
    );
    try {
      const result = await work((tx) => this.fence(tx, lease), lost.signal);
      lost.signal.throwIfAborted();
      return result;
    } catch (error) {
      // Whatever the work failed with once the lease was gone, losing it is the reason.
      lost.signal.throwIfAborted();
      throw error;
    } finally {
      clearInterval(renewal);
      // A renewal landing after the release would hold the lease for another TTL.
      await renewing;
      await this.leases.release(db, lease).catch(() => undefined);
      this.observe?.({ type: 'lease', family: lease.family, held: false });
    }
  }

  private async fence(tx: SyncDatabase, lease: Lease): Promise<void> {
    if (!(await this.leases.renew(tx, lease, this.options.leaseTtlMs))) {
      throw new LeaseLostError(lease.family, lease.holder);
    }
  }
}
