import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import type { Bulk_RequestBody } from '@opensearch-project/opensearch/api/index.js';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import { OperationTally } from '../events/operation.tally.js';
import type { LoaderEvent } from '../events/sync-event.interface.js';
import type { DeadLetterRecord, IndexOperation, LoadResult } from '../pipeline/pipeline.interface.js';
import { Semaphore } from '../utils/semaphore.util.js';
import {
  type BulkItemResponse,
  classifyItem,
  type ItemOutcome,
  isRetryableRequestError,
  requestRefusal,
} from './bulk.classify.js';
import { observeRetries, timed } from './bulk.observe.js';
import {
  type BulkRequest,
  cutRequests,
  deadLetter,
  part,
  type RequestItem,
  type Serialised,
  serialiseAll,
} from './bulk.request.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.policy.js';

export interface BulkLoaderOptions {
  /** Operations per bulk request. */
  readonly maxOperations: number;
  /** Bytes per bulk request (a single larger operation is sent alone). */
  readonly maxBytes: number;
  /** Bulk requests in flight at once, across every batch this loader serves. */
  readonly concurrency: number;
  readonly retry: RetryPolicy;
}

export const DEFAULT_BULK_OPTIONS: BulkLoaderOptions = {
  maxOperations: 1000,
  maxBytes: 5 * 1024 * 1024,
  concurrency: 2,
  retry: DEFAULT_RETRY_POLICY,
};

const REQUEST_FAILED = 'request_failed';

const RESULTS = {
  succeeded: 'succeeded',
  alreadyNewer: 'already_newer',
  alreadyDeleted: 'already_deleted',
} as const;

// Only what classification needs: a clean response carries a status per item and nothing else.
const FILTER_PATH = 'errors,items.*.status,items.*.error';

/**
 * Loads operations with the bulk API. Every write carries the row version as an external version, so
 * replays and retries can never move a document backwards. Items that fail for a transient reason are
 * retried alone with backoff; what fails for good comes back as dead letters. When nothing gets through
 * at all (the cluster is down), it throws instead, so the caller keeps its checkpoints.
 */
export class BulkLoader {
  private readonly options: BulkLoaderOptions;
  private readonly inFlight: Semaphore;

  constructor(
    private readonly client: Client,
    options: Partial<BulkLoaderOptions> = {},
    private readonly random: () => number = Math.random,
    /** Told of each request, each round of retries and each load's outcomes (metrics). */
    private readonly observe?: (event: LoaderEvent) => void,
    /**
     * Called synchronously just before each request is sent (a retry and a split half included); what it
     * throws stops the load. A partition's claim checks its deadline here.
     */
    private readonly beforeSend?: () => void,
  ) {
    this.options = { ...DEFAULT_BULK_OPTIONS, ...options };
    this.inFlight = new Semaphore(this.options.concurrency);
  }

  async load(operations: readonly IndexOperation[], halt?: AbortSignal): Promise<LoadResult> {
    const stats = {
      requests: 0,
      bytes: 0,
      succeeded: 0,
      alreadyNewer: 0,
      alreadyDeleted: 0,
      retriedItems: 0,
      rejected: 0,
    };
    const deadLetters: DeadLetterRecord[] = [];
    const tally = this.observe && new OperationTally();
    // Serialised while the requests are cut, so that no more than a request's strings are alive at once.
    let pending: Iterable<Serialised> = serialiseAll(operations, deadLetters);
    const started = Date.now();
    let anyDelivered = false;
    for (let attempt = 1; ; attempt++) {
      const retry: {
        request: BulkRequest;
        item: RequestItem;
        outcome: Extract<ItemOutcome, { kind: 'retryable' }>;
      }[] = [];
      const requests = cutRequests(pending, this.options.maxOperations, this.options.maxBytes);
      if (requests.length === 0) break;
      const outcomes = await Promise.all(
        requests.map((request) =>
          this.inFlight.run(() => {
            // Checked when a request gets its slot, not when it was cut: a lost lease stops what queues.
            halt?.throwIfAborted();
            this.beforeSend?.();
            return this.send(request);
          }),
        ),
      );
      for (const request of requests) {
        stats.requests++;
        stats.bytes += request.bytes;
      }
      outcomes.forEach((requestOutcomes, r) => {
        const request = requests[r];
        requestOutcomes.forEach((outcome, i) => {
          const item = request.items[i];
          switch (outcome.kind) {
            case 'retryable':
              retry.push({ request, item, outcome });
              return;
            case 'rejected':
              anyDelivered = true;
              stats.rejected++;
              deadLetters.push(
                deadLetter(item.op, outcome.errorType, outcome.reason, outcome.status, attempt),
              );
              return;
            default:
              anyDelivered = true;
              stats[outcome.kind]++;
              tally?.add(item.op.version, item.op.action, RESULTS[outcome.kind]);
          }
        });
      });
      if (retry.length === 0) break;
      const delay = backoffDelay(this.options.retry, attempt, this.random);
      const exhausted =
        attempt >= this.options.retry.maxAttempts ||
        Date.now() - started + delay > this.options.retry.maxElapsedMs;
      if (exhausted) {
        const last = retry[0].outcome;
        // A request that never got an answer means the cluster, not the document, is the problem.
        if (!anyDelivered || retry.some((r) => r.outcome.errorType === REQUEST_FAILED)) {
          throw new ClusterUnavailableError(
            `${retry.length} of ${operations.length} operations still failing after ${attempt} attempts; last: ${last.reason}`,
          );
        }
        for (const { item, outcome } of retry) {
          deadLetters.push(
            deadLetter(
              item.op,
              'retries_exhausted',
              `${outcome.errorType}: ${outcome.reason}`,
              outcome.status,
              attempt,
            ),
          );
        }
        break;
      }
      stats.retriedItems += retry.length;
      if (this.observe) observeRetries(this.observe, retry);
      await sleep(delay, undefined, { signal: halt }).catch(() => halt?.throwIfAborted());
      pending = retry.map(({ request, item }) => ({
        op: item.op,
        bytes: item.bytes,
        body: request.body.slice(item.start, item.end),
      }));
    }
    if (tally) {
      tally.addDeadLetters(deadLetters);
      this.observe?.({ type: 'operations', counts: tally.toArray() });
    }
    return { deadLetters, stats };
  }

  private async send(request: BulkRequest): Promise<ItemOutcome[]> {
    const { items } = request;
    try {
      // The client sends a string body as it is: operations are serialised once, when planned.
      const body = request.body as unknown as Bulk_RequestBody;
      const response = await timed(this.observe, request, () =>
        this.client.bulk({ body, filter_path: FILTER_PATH }),
      );
      const answers = (response.body as { items?: Record<string, BulkItemResponse>[] }).items ?? [];
      if (answers.length !== items.length) {
        throw new ClusterUnavailableError(
          `a bulk response held ${answers.length} items for ${items.length} operations`,
        );
      }
      return answers.map((answer, i) => classifyItem(items[i].op.action, Object.values(answer)[0]));
    } catch (error) {
      const refused = requestRefusal(error);
      if (refused) return this.isolate(request, refused);
      if (!isRetryableRequestError(error)) throw error;
      const status = (error as { statusCode?: number }).statusCode ?? null;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return items.map(() => ({ kind: 'retryable', status, errorType: REQUEST_FAILED, reason }));
    }
  }

  /**
   * A request refused whole (an `_id` or a line OpenSearch cannot take fails every operation in it) is
   * split in halves and sent again until the refused operations stand alone: they are rejected, and
   * the others go through. One bad row never blocks the rest.
   */
  private async isolate(request: BulkRequest, refused: ItemOutcome & { kind: 'rejected' }) {
    if (request.items.length === 1) return [refused];
    const half = Math.ceil(request.items.length / 2);
    // One after the other: the halves share the request's slot among those in flight.
    this.beforeSend?.();
    const first = await this.send(part(request, 0, half));
    this.beforeSend?.();
    const second = await this.send(part(request, half, request.items.length));
    return [...first, ...second];
  }
}
