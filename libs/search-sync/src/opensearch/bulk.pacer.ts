import type { LoaderEvent } from '../events/sync-event.interface.js';
import { Semaphore } from '../utils/semaphore.util.js';
import { type ItemOutcome, isPushback } from './bulk.classify.js';
import { type BulkRequest, RequestCutter, type Serialised } from './bulk.request.js';
import type { BulkSender } from './bulk.sender.js';
import {
  initialThrottle,
  requestBytes,
  type ThrottleConfig,
  type ThrottleState,
  throttleAnswered,
} from './bulk.throttle.js';

export interface Answered {
  readonly request: BulkRequest;
  readonly outcomes: readonly ItemOutcome[];
}

/**
 * Sends bulk requests at the pace the throttle allows: as many in flight, and as large, as it says at
 * the moment each request gets its slot. It tells the throttle how each request was answered. One pacer
 * serves every batch of a loader: it is the cluster that pushes back, whichever batch it answers.
 */
export class BulkPacer {
  private throttle: ThrottleState;
  private readonly inFlight: Semaphore;

  constructor(
    private readonly sender: BulkSender,
    private readonly config: ThrottleConfig,
    private readonly observe?: (event: LoaderEvent) => void,
  ) {
    this.throttle = initialThrottle(config);
    this.inFlight = new Semaphore(this.throttle.concurrency);
  }

  /** Whether pushback slows it down (and so costs an operation no retry attempt). */
  get throttled(): boolean {
    return this.config.enabled;
  }

  /**
   * Sends every item once, each request cut when it gets its slot, at the throttle's bounds of that
   * moment. Requests already sent are awaited even when one fails or the load halts, so none is left
   * unanswered behind the caller.
   */
  async sendRound(items: Iterable<Serialised>, halt?: AbortSignal): Promise<Answered[]> {
    const cutter = new RequestCutter(items[Symbol.iterator]());
    const sent: Promise<Answered>[] = [];
    let failed = false;
    while (!failed && !cutter.done) {
      const release = await this.inFlight.acquire();
      // Checked when a request gets its slot, not when it was cut: a lost lease stops what queues.
      const request =
        failed || halt?.aborted
          ? null
          : cutter.cut(this.throttle.operations, requestBytes(this.throttle, this.config));
      if (!request) {
        release();
        break;
      }
      const sentAt = this.throttle.epoch;
      const answered = this.sender
        .send(request)
        .then((outcomes): Answered => {
          this.paceAfter(sentAt, outcomes);
          return { request, outcomes };
        })
        .finally(release);
      // Read below once everything sent has settled; meanwhile no more requests are cut.
      answered.catch(() => {
        failed = true;
      });
      sent.push(answered);
    }
    const settled = await Promise.allSettled(sent);
    halt?.throwIfAborted();
    return settled.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
  }

  /** Tells the throttle how a request was answered, and applies and reports any change of pace. */
  private paceAfter(sentAt: number, outcomes: readonly ItemOutcome[]): void {
    // A request that got no answer says nothing of how busy the cluster is.
    if (outcomes.every((o) => o.kind === 'retryable' && o.status === null)) return;
    const before = this.throttle;
    const after = throttleAnswered(before, this.config, {
      sentAt,
      pushedBack: outcomes.some(isPushback),
    });
    this.throttle = after;
    if (after.concurrency === before.concurrency && after.operations === before.operations) return;
    this.inFlight.resize(after.concurrency);
    this.observe?.({
      type: 'bulk-throttle',
      direction:
        after.operations < before.operations || after.concurrency < before.concurrency ? 'down' : 'up',
      concurrency: after.concurrency,
      operations: after.operations,
      bytes: requestBytes(after, this.config),
    });
  }
}
