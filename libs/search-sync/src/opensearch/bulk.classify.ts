import { errors } from '@opensearch-project/opensearch';
import type { OperationAction } from '../pipeline/pipeline.interface.js';

export type ItemOutcome =
  | { readonly kind: 'succeeded' | 'alreadyNewer' | 'alreadyDeleted' }
  | {
      readonly kind: 'retryable';
      readonly status: number | null;
      readonly errorType: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'rejected';
      readonly status: number;
      readonly errorType: string;
      readonly reason: string;
    };

export interface BulkItemResponse {
  readonly status: number;
  readonly error?: {
    readonly type?: string;
    readonly reason?: string;
    readonly caused_by?: { reason?: string };
  };
}

/** The error type of operations whose whole request failed (no answer, or a 429/5xx for all of it). */
export const REQUEST_FAILED = 'request_failed';

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * Item errors that say the cluster cannot write a shard right now, not that the document is wrong: no
 * active copy of the shard (its node died and it had no replica, or a new primary is not yet allocated),
 * or a cluster block (no elected cluster manager, a read-only index after the disk flood stage, 403).
 * They are retried like any transient failure; if they outlast the retry budget the run stops with
 * its checkpoints untouched (ClusterUnavailableError) instead of dead-lettering every document of the
 * shard, so the next run, once the node or the disk is back, writes them.
 */
const CLUSTER_FAILURE_TYPES = new Set([
  'unavailable_shards_exception',
  'no_shard_available_action_exception',
  'cluster_block_exception',
]);

// Most items end one of these ways: shared, rather than one object per item.
const SUCCEEDED: ItemOutcome = { kind: 'succeeded' };
const ALREADY_NEWER: ItemOutcome = { kind: 'alreadyNewer' };
const ALREADY_DELETED: ItemOutcome = { kind: 'alreadyDeleted' };

/** What one item of a bulk response means for an external-versioned write. */
export function classifyItem(action: OperationAction, item: BulkItemResponse): ItemOutcome {
  const { status, error } = item;
  if (status >= 200 && status < 300) return SUCCEEDED;
  // external_gte: a conflict means the index already holds this change or a newer one.
  if (status === 409) return ALREADY_NEWER;
  if (status === 404 && action === 'delete') return ALREADY_DELETED;
  const errorType = error?.type ?? 'unknown';
  const reason = [error?.reason, error?.caused_by?.reason].filter(Boolean).join(': ') || `HTTP ${status}`;
  if (RETRYABLE_STATUS.has(status) || CLUSTER_FAILURE_TYPES.has(errorType)) {
    return { kind: 'retryable', status, errorType, reason };
  }
  return { kind: 'rejected', status, errorType, reason };
}

/**
 * Whether a transient failure is the cluster pushing back (its write queue is full: a 429, or a
 * `rejected_execution_exception`, `es_`-prefixed on Elasticsearch), rather than failing: the bulk throttle
 * slows down for it.
 */
export function isPushback(outcome: ItemOutcome): boolean {
  return (
    outcome.kind === 'retryable' &&
    (outcome.status === 429 || outcome.errorType.endsWith('rejected_execution_exception'))
  );
}

/**
 * Whether a transient failure is the cluster's rather than the document's: a request that got no answer,
 * a shard with no active copy, a cluster block. Once retries are spent it stops the run, never a dead letter.
 */
export function isClusterFailure(outcome: ItemOutcome): boolean {
  return (
    outcome.kind === 'retryable' &&
    (outcome.errorType === REQUEST_FAILED || CLUSTER_FAILURE_TYPES.has(outcome.errorType))
  );
}

/**
 * Whether a failed bulk request (not an item) may succeed if sent again: connection problems,
 * timeouts, and whole-request 429/5xx answers.
 */
export function isRetryableRequestError(error: unknown): boolean {
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.TimeoutError
  ) {
    return true;
  }
  return error instanceof errors.ResponseError && RETRYABLE_STATUS.has(error.statusCode ?? 0);
}

/**
 * The rejection of every operation in a bulk request that OpenSearch refused as a whole for what it
 * holds (400: a line it cannot parse or an `_id` it cannot take; 413: too large), or null for any other
 * failure. Such a request is split until the refused operation stands alone.
 */
export function requestRefusal(error: unknown): (ItemOutcome & { kind: 'rejected' }) | null {
  if (!(error instanceof errors.ResponseError)) return null;
  const status = error.statusCode ?? 0;
  if (status !== 400 && status !== 413) return null;
  const body = error.body as { error?: BulkItemResponse['error'] } | undefined;
  const cause = body?.error;
  const reason = [cause?.reason, cause?.caused_by?.reason].filter(Boolean).join(': ') || `HTTP ${status}`;
  return { kind: 'rejected', status, errorType: cause?.type ?? 'request_refused', reason };
}
