import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import { OperationTally } from '../events/operation.tally.js';
import type { LoaderEvent } from '../events/sync-event.interface.js';
import { deadLetterRecord } from '../pipeline/dead-letter.record.js';
import { emptyLoadStats } from '../pipeline/load.stats.js';
import type {
  DeadLetterRecord,
  IndexOperation,
  LoadResult,
  LoadStats,
} from '../pipeline/pipeline.interface.js';
import { backoffDelay } from '../utils/backoff.util.js';
import { type ItemOutcome, isClusterFailure, isPushback, REQUEST_FAILED } from './bulk.classify.js';
import { observeRetries } from './bulk.observe.js';
import { BulkPacer } from './bulk.pacer.js';
import { type BulkRequest, type RequestItem, type Serialised, serialiseAll } from './bulk.request.js';
import { BulkSender } from './bulk.sender.js';
import { DEFAULT_THROTTLE_OPTIONS, type ThrottleOptions, throttleConfig } from './bulk.throttle.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.policy.js';

export interface BulkLoaderOptions {
  /** Operations per bulk request. */
  readonly maxOperations: number;
  /** Bytes per bulk request (a single larger operation is sent alone). */
  readonly maxBytes: number;
  /** Bulk requests in flight at once, across every batch this loader serves. */
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  /**
   * How the loader slows down below `concurrency` and `maxOperations`/`maxBytes` when the cluster pushes
   * back (429), and recovers; the fields not given take their defaults.
   */
  readonly throttle: Partial<ThrottleOptions>;
}

export const DEFAULT_BULK_OPTIONS: BulkLoaderOptions = {
  maxOperations: 1000,
  maxBytes: 5 * 1024 * 1024,
  concurrency: 2,
  retry: DEFAULT_RETRY_POLICY,
  throttle: DEFAULT_THROTTLE_OPTIONS,
};

const RESULTS = {
  succeeded: 'succeeded',
  alreadyNewer: 'already_newer',
  alreadyDeleted: 'already_deleted',
} as const;

/** An item to send again: a pushback (while the throttle is on) costs it no attempt. */
interface Again {
  readonly request: BulkRequest;
  readonly item: RequestItem;
  readonly outcome: Extract<ItemOutcome, { kind: 'retryable' }>;
  readonly costsAttempt: boolean;
}

/**
 * Loads operations with the bulk API. Every write carries the row version as an external version, so
 * replays and retries can never move a document backwards. Items that fail for a transient reason are
 * retried alone with backoff; what fails for good comes back as dead letters. When the cluster pushes
 * back, the throttle sends fewer and smaller requests until it recovers. When nothing gets through at
 * all (the cluster is down), it throws instead, so the caller keeps its checkpoints.
 */
export class BulkLoader {
  private readonly options: BulkLoaderOptions;
  private readonly pacer: BulkPacer;

  constructor(
    client: Client,
    options: Partial<BulkLoaderOptions> = {},
    private readonly random: () => number = Math.random,
    /** Told of each request, each round of retries, each change of pace and each load's outcomes. */
    private readonly observe?: (event: LoaderEvent) => void,
    /**
     * Called synchronously just before each request is sent (a retry and a split half included); what it
     * throws stops the load. A partition's claim checks its deadline here.
     */
    beforeSend?: () => void,
  ) {
    this.options = { ...DEFAULT_BULK_OPTIONS, ...options };
    const throttle = throttleConfig(this.options, this.options.throttle);
    this.pacer = new BulkPacer(new BulkSender(client, observe, beforeSend), throttle, observe);
  }

  async load(operations: readonly IndexOperation[], halt?: AbortSignal): Promise<LoadResult> {
    const stats: { -readonly [K in keyof LoadStats]: LoadStats[K] } = emptyLoadStats();
    const policy = this.options.retry;
    const deadLetters: DeadLetterRecord[] = [];
    const tally = this.observe && new OperationTally();
    // Serialised as the requests are cut, so that no more than the requests' strings are alive at once.
    let pending: Iterable<Serialised> = serialiseAll(operations, deadLetters);
    let anyDelivered = false;
    let retryingSince: number | null = null;
    let pushbackRounds = 0;
    for (;;) {
      const again: Again[] = [];
      for (const { request, outcomes } of await this.pacer.sendRound(pending, halt)) {
        stats.requests++;
        stats.bytes += request.bytes;
        outcomes.forEach((outcome, i) => {
          const item = request.items[i];
          switch (outcome.kind) {
            case 'retryable': {
              const costsAttempt = !(this.pacer.throttled && isPushback(outcome));
              again.push({ request, item, outcome, costsAttempt });
              return;
            }
            case 'rejected':
              anyDelivered = true;
              stats.rejected++;
              deadLetters.push(
                deadLetterRecord(item.op, outcome.errorType, outcome.reason, outcome.status, item.attempts),
              );
              return;
            default:
              anyDelivered = true;
              stats[outcome.kind]++;
              tally?.add(item.op.version, item.op.action, RESULTS[outcome.kind]);
          }
        });
      }
      if (again.length === 0) break;
      // The time budget runs from the first failure: a batch that waited for slots has not retried yet.
      retryingSince ??= Date.now();
      pushbackRounds = again.some((a) => !a.costsAttempt) ? pushbackRounds + 1 : 0;
      const attempts = again.reduce(
        (most, a) => (a.costsAttempt ? Math.max(most, a.item.attempts) : most),
        0,
      );
      const delay = Math.max(
        attempts > 0 ? backoffDelay(policy, attempts, this.random) : 0,
        pushbackRounds > 0 ? backoffDelay(policy, pushbackRounds, this.random) : 0,
      );
      const outOfTime = Date.now() - retryingSince + delay > policy.maxElapsedMs;
      const isExhausted = (a: Again) =>
        outOfTime || (a.costsAttempt && a.item.attempts >= policy.maxAttempts);
      const exhausted = again.filter(isExhausted);
      if (exhausted.length > 0) {
        const last = exhausted[0].outcome;
        // Nothing got in, a request that never got an answer, a shard with no active copy: the cluster,
        // not the document, is the problem.
        if (!anyDelivered || exhausted.some((a) => isClusterFailure(a.outcome))) {
          const cause = exhausted.find((a) => isClusterFailure(a.outcome))?.outcome ?? last;
          const most = exhausted.reduce((n, a) => Math.max(n, a.item.attempts), 0);
          throw new ClusterUnavailableError(
            `${exhausted.length} of ${operations.length} operations still failing after ${most} attempts` +
              `${outOfTime ? ` and ${Date.now() - retryingSince} ms of retries` : ''}; last: ` +
              `${cause.errorType === REQUEST_FAILED ? '' : `${cause.errorType}: `}${cause.reason}`,
          );
        }
        for (const { item, outcome } of exhausted) {
          deadLetters.push(
            deadLetterRecord(
              item.op,
              'retries_exhausted',
              `${outcome.errorType}: ${outcome.reason}`,
              outcome.status,
              item.attempts,
            ),
          );
        }
      }
      const next = exhausted.length === 0 ? again : again.filter((a) => !isExhausted(a));
      if (next.length === 0) break;
      const retried = next.filter((a) => a.costsAttempt);
      stats.retriedItems += retried.length;
      stats.throttledItems += next.length - retried.length;
      if (this.observe) {
        observeRetries(this.observe, retried);
        if (next.length > retried.length) {
          this.observe({ type: 'bulk-pushback', items: next.length - retried.length });
        }
      }
      await sleep(delay, undefined, { signal: halt }).catch(() => halt?.throwIfAborted());
      pending = next.map(({ request, item, costsAttempt }) => ({
        op: item.op,
        bytes: item.bytes,
        attempts: costsAttempt ? item.attempts + 1 : item.attempts,
        body: request.body.slice(item.start, item.end),
      }));
    }
    if (tally) {
      tally.addDeadLetters(deadLetters);
      this.observe?.({ type: 'operations', counts: tally.toArray() });
    }
    return { deadLetters, stats };
  }
}
