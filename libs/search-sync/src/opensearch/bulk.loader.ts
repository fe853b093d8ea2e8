import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import type { Bulk_RequestBody } from '@opensearch-project/opensearch/api/index.js';
import { ClusterUnavailableError } from '../errors/cluster-unavailable.error.js';
import type { DeadLetterRecord, IndexOperation, LoadResult } from '../pipeline/pipeline.interface.js';
import { Semaphore } from '../utils/semaphore.util.js';
import {
  type BulkItemResponse,
  classifyItem,
  type ItemOutcome,
  isRetryableRequestError,
} from './bulk.classify.js';
import { SYNC_FIELD } from './index.manager.js';
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

interface Serialised {
  readonly op: IndexOperation;
  readonly body: string;
  readonly bytes: number;
}

/** An operation in a request: where its lines sit in the request's body, so a retry can cut them out. */
interface RequestItem {
  readonly op: IndexOperation;
  readonly bytes: number;
  readonly start: number;
  readonly end: number;
}

/**
 * One bulk request. Its body is joined as soon as the request is cut, and the operations' own strings
 * are dropped: they would otherwise live (and be copied by the garbage collector) as long as the request.
 */
interface BulkRequest {
  readonly body: string;
  readonly bytes: number;
  readonly items: readonly RequestItem[];
}

const REQUEST_FAILED = 'request_failed';

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
  ) {
    this.options = { ...DEFAULT_BULK_OPTIONS, ...options };
    this.inFlight = new Semaphore(this.options.concurrency);
  }

  async load(operations: readonly IndexOperation[]): Promise<LoadResult> {
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
      const requests = this.requests(pending);
      if (requests.length === 0) break;
      const outcomes = await Promise.all(
        requests.map((request) => this.inFlight.run(() => this.send(request))),
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
      await sleep(delay);
      pending = retry.map(({ request, item }) => ({
        op: item.op,
        bytes: item.bytes,
        body: request.body.slice(item.start, item.end),
      }));
    }
    return { deadLetters, stats };
  }

  /** Cuts operations into requests bounded by count and bytes, keeping their order, and joins each body. */
  private requests(items: Iterable<Serialised>): BulkRequest[] {
    const requests: BulkRequest[] = [];
    let current: Serialised[] = [];
    let bytes = 0;
    const cut = () => {
      let offset = 0;
      const cutItems = current.map(({ op, body, bytes }): RequestItem => {
        const start = offset;
        offset += body.length;
        return { op, bytes, start, end: offset };
      });
      requests.push({ body: current.map((item) => item.body).join(''), bytes, items: cutItems });
      current = [];
      bytes = 0;
    };
    for (const item of items) {
      if (
        current.length > 0 &&
        (current.length >= this.options.maxOperations || bytes + item.bytes > this.options.maxBytes)
      ) {
        cut();
      }
      current.push(item);
      bytes += item.bytes;
    }
    if (current.length > 0) cut();
    return requests;
  }

  private async send(request: BulkRequest): Promise<ItemOutcome[]> {
    const { items } = request;
    try {
      // The client sends a string body as it is: operations are serialised once, when planned.
      const body = request.body as unknown as Bulk_RequestBody;
      const response = await this.client.bulk({ body, filter_path: FILTER_PATH });
      const answers = (response.body as { items?: Record<string, BulkItemResponse>[] }).items ?? [];
      if (answers.length !== items.length) {
        throw new ClusterUnavailableError(
          `a bulk response held ${answers.length} items for ${items.length} operations`,
        );
      }
      return answers.map((answer, i) => classifyItem(items[i].op.action, Object.values(answer)[0]));
    } catch (error) {
      if (!isRetryableRequestError(error)) throw error;
      const status = (error as { statusCode?: number }).statusCode ?? null;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return items.map(() => ({ kind: 'retryable', status, errorType: REQUEST_FAILED, reason }));
    }
  }
}

/** Serialises operations one by one; those that cannot be are dead letters at once, never sent. */
function* serialiseAll(
  operations: readonly IndexOperation[],
  deadLetters: DeadLetterRecord[],
): Generator<Serialised> {
  for (const op of operations) {
    const serialised = serialise(op);
    if (typeof serialised === 'string')
      deadLetters.push(deadLetter(op, 'serialization_error', serialised, null, 1));
    else yield serialised;
  }
}

/**
 * One NDJSON operation: the action line and, for an index, the document with the library's own fields.
 * The document is stringified once; its byte count is taken from the pieces, so the body is never
 * flattened or scanned again before the request joins it.
 */
function serialise(op: IndexOperation): Serialised | string {
  const meta = `{"${op.action}":{"_index":${JSON.stringify(op.index)},"_id":${JSON.stringify(op.id)},"version":${op.externalVersion ?? op.rowVersion},"version_type":"external_gte"}}\n`;
  const metaBytes = Buffer.byteLength(meta);
  if (op.action === 'delete') return { op, body: meta, bytes: metaBytes };
  let document: string | undefined;
  try {
    document = JSON.stringify(op.document);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (document === undefined || document[0] !== '{') return 'the transform did not return a JSON object';
  // Adds the library's own fields (see SYNC_FIELD) to the serialised document without parsing it again.
  const key = op.numericKey === undefined ? '' : `,"key":${op.numericKey}`;
  const fields = `{"${SYNC_FIELD}":{"version":${op.rowVersion}${key}}`;
  if (document === '{}') return { op, body: `${meta}${fields}}\n`, bytes: metaBytes + fields.length + 2 };
  // `fields` is ASCII, so its length is its byte count; the document is counted as it came (its '{'
  // becomes the ',' after the fields, and a newline follows).
  const bytes = metaBytes + fields.length + Buffer.byteLength(document) + 1;
  return { op, body: `${meta}${fields},${document.slice(1)}\n`, bytes };
}

function deadLetter(
  op: IndexOperation,
  errorType: string,
  reason: string,
  statusCode: number | null,
  attempts: number,
): DeadLetterRecord {
  return {
    version: op.version,
    documentId: op.id,
    operation: op.action,
    document: op.document ?? null,
    errorType,
    reason,
    statusCode,
    attempts,
    rowVersion: op.rowVersion,
  };
}
