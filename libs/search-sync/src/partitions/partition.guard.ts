import type { SyncDatabase } from '../database/database.type.js';
import { PartitionLostError } from '../errors/partition-lost.error.js';
import type { PartitionClaim, PartitionStore } from './partition.store.js';

/**
 * Keeps one partition claim alive and says, at any instant, whether its holder may still send. The
 * claim is renewed on a timer (every TTL/3) and by every cursor commit. Besides the token checks in
 * Postgres, the holder keeps a deadline on its own monotonic clock: TTL (less a margin) after the start
 * of its last confirmed renewal, a time the claim cannot have expired before. `check()` compares with it
 * synchronously, just before each bulk request is sent: a process paused past its expiry (SIGSTOP, a
 * long GC, a frozen VM) finds on waking that it may no longer send, before any I/O callback of its own
 * can send for it, while no other instance can claim the partition before that expiry.
 */
export class ClaimGuard {
  private readonly controller = new AbortController();
  private deadline: number;
  private readonly margin: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    readonly claim: PartitionClaim,
    private readonly store: PartitionStore,
    private readonly db: SyncDatabase,
    private readonly ttlMs: number,
    /** `performance.now()` just before the claim was asked for. */
    claimedAt: number,
  ) {
    this.margin = Math.min(1000, ttlMs / 10);
    this.deadline = claimedAt + ttlMs - this.margin;
    this.timer = setInterval(
      () => {
        this.renewing = this.confirm(() => this.store.renew(this.db, this.claim, this.ttlMs)).then(
          () => undefined,
          () => undefined,
        );
      },
      Math.max(50, ttlMs / 3),
    );
  }

  /** Aborted once the claim is lost: what is queued to send stops; retries stop. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Throws `PartitionLostError` if the claim was taken over or may have run out; call just before sending. */
  check(): void {
    if (performance.now() >= this.deadline) this.lose();
    this.controller.signal.throwIfAborted();
  }

  /**
   * Runs a write that renews the claim (a renewal, a committed cursor move) and moves the deadline on
   * once it has committed; if the token was no longer current (false), the claim is lost. A database
   * failure leaves the deadline where it was: the claim runs out by itself.
   */
  async confirm(write: () => Promise<boolean>): Promise<void> {
    this.controller.signal.throwIfAborted();
    const started = performance.now();
    if (await write()) this.deadline = Math.max(this.deadline, started + this.ttlMs - this.margin);
    else this.lose();
    this.check();
  }

  /** Stops renewing; waits for a renewal in flight so that none lands after the claim is given back. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }

  private lose(): void {
    const { family, version, partition, holder } = this.claim;
    if (!this.controller.signal.aborted)
      this.controller.abort(new PartitionLostError(family, version, partition, holder));
  }
}
