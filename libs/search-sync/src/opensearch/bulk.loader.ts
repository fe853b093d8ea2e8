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
    let pending: Serialised[] = [];
    for (const op of operations) {
      const serialised = serialise(op);
      if (typeof serialised === 'string')
        deadLetters.push(deadLetter(op, 'serialization_error', serialised, null, 1));
      else pending.push(serialised);
    }
    const started = Date.now();
    let anyDelivered = false;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: { item: Serialised; outcome: Extract<ItemOutcome, { kind: 'retryable' }> }[] = [];
      const chunks = this.chunk(pending);
      const outcomes = await Promise.all(chunks.map((chunk) => this.inFlight.run(() => this.send(chunk))));
      chunks.forEach((chunk) => {
        stats.requests++;
        for (const item of chunk) stats.bytes += item.bytes;
      });
      outcomes.forEach((chunkOutcomes, c) => {
        chunkOutcomes.forEach((outcome, i) => {
          const item = chunks[c][i];
          switch (outcome.kind) {
            case 'retryable':
              retry.push({ item, outcome });
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
      pending = retry.map((r) => r.item);
    }
    return { deadLetters, stats };
  }

  /** Splits operations into requests bounded by count and bytes, keeping their order. */
  private chunk(items: readonly Serialised[]): Serialised[][] {
    const chunks: Serialised[][] = [];
    let current: Serialised[] = [];
    let bytes = 0;
    for (const item of items) {
      if (
        current.length > 0 &&
        (current.length >= this.options.maxOperations || bytes + item.bytes > this.options.maxBytes)
      ) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(item);
      bytes += item.bytes;
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  private async send(chunk: readonly Serialised[]): Promise<ItemOutcome[]> {
    try {
      // The client sends a string body as it is: operations are serialised once, when planned.
      const body = chunk.map((item) => item.body).join('') as unknown as Bulk_RequestBody;
      const response = await this.client.bulk({ body, filter_path: FILTER_PATH });
      const items = (response.body as { items?: Record<string, BulkItemResponse>[] }).items ?? [];
      if (items.length !== chunk.length) {
        throw new ClusterUnavailableError(
          `a bulk response held ${items.length} items for ${chunk.length} operations`,
        );
      }
      return items.map((item, i) => classifyItem(chunk[i].op.action, Object.values(item)[0]));
    } catch (error) {
      if (!isRetryableRequestError(error)) throw error;
      const status = (error as { statusCode?: number }).statusCode ?? null;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return chunk.map(() => ({ kind: 'retryable', status, errorType: REQUEST_FAILED, reason }));
    }
  }
}

function serialise(op: IndexOperation): Serialised | string {
  const meta = `{"_index":${JSON.stringify(op.index)},"_id":${JSON.stringify(op.id)},"version":${op.externalVersion ?? op.rowVersion},"version_type":"external_gte"}`;
  let body: string;
  if (op.action === 'delete') body = `{"delete":${meta}}\n`;
  else {
    let document: string | undefined;
    try {
      document = JSON.stringify(op.document);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    if (document === undefined || document[0] !== '{') return 'the transform did not return a JSON object';
    body = `{"index":${meta}}\n${withSyncFields(document, op)}\n`;
  }
  return { op, body, bytes: Buffer.byteLength(body) };
}

/** Adds the library's own fields (see SYNC_FIELD) to a serialised document without parsing it again. */
function withSyncFields(document: string, op: IndexOperation): string {
  const key = op.numericKey === undefined ? '' : `,"key":${op.numericKey}`;
  const fields = `"${SYNC_FIELD}":{"version":${op.rowVersion}${key}}`;
  return document === '{}' ? `{${fields}}` : `{${fields},${document.slice(1)}`;
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
