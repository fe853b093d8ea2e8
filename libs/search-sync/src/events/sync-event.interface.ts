import type { DeadLetterRecord, OperationAction } from '../pipeline/pipeline.interface.js';
import type { RunOutcome } from '../state/tables/run.table.js';

/**
 * What the library reports as it works, for metrics, logs or traces. Observers are told synchronously
 * on the path of the work: they must be quick, and what they throw is ignored.
 */
export type SyncEvent =
  | BulkRequestEvent
  | BulkRetryEvent
  | BulkPushbackEvent
  | BulkThrottleEvent
  | OperationsEvent
  | BatchEvent
  | RunEvent
  | LeaseEvent
  | LeaseWaitEvent
  | PartitionEvent;

export type SyncObserver = (event: SyncEvent) => void;

/** One bulk request answered or failed (a retry or a split request is a request of its own). */
export interface BulkRequestEvent {
  readonly type: 'bulk-request';
  readonly family: string;
  readonly durationSeconds: number;
  /** The HTTP status of the answer; null when none came (connection refused, timeout). */
  readonly status: number | null;
  readonly operations: number;
  readonly bytes: number;
}

/** Items of bulk requests sent again after a transient failure, by the status they failed with. */
export interface BulkRetryEvent {
  readonly type: 'bulk-retry';
  readonly family: string;
  /** The item's (or the whole request's) HTTP status; null when no answer came. */
  readonly status: number | null;
  readonly items: number;
}

/**
 * Items the cluster pushed back (a 429: its write queue is full) sent again once the throttle slowed
 * down: unlike a retry, they cost no retry attempt.
 */
export interface BulkPushbackEvent {
  readonly type: 'bulk-pushback';
  readonly family: string;
  readonly items: number;
}

/**
 * The loader's pace changed: down at a pushback, up step by step as requests go through again. The
 * figures are the new bounds: requests in flight, and operations and bytes per request.
 */
export interface BulkThrottleEvent {
  readonly type: 'bulk-throttle';
  readonly family: string;
  readonly direction: 'down' | 'up';
  readonly concurrency: number;
  readonly operations: number;
  readonly bytes: number;
}

/** How a document operation ended: written, already there (newer, or deleted), or a dead letter. */
export type OperationResult = 'succeeded' | 'already_newer' | 'already_deleted' | 'dead_letter';

export interface OperationCount {
  readonly version: number;
  readonly action: OperationAction;
  readonly result: OperationResult;
  readonly count: number;
}

/** The operations a load (a batch, a replay, a repair) ended with, per version, action and result. */
export interface OperationsEvent {
  readonly type: 'operations';
  readonly family: string;
  readonly counts: readonly OperationCount[];
}

/** A batch whose checkpoint committed: the versions it moved, the changes it applied, its dead letters. */
export interface BatchEvent {
  readonly type: 'batch';
  readonly family: string;
  readonly versions: readonly number[];
  readonly changes: number;
  readonly deadLetters: readonly Pick<DeadLetterRecord, 'version' | 'errorType'>[];
}

/** A run of a family ended (or was skipped because it was running already). */
export interface RunEvent {
  readonly type: 'run';
  readonly family: string;
  readonly outcome: Extract<RunOutcome, 'succeeded' | 'stopped' | 'failed' | 'skipped'>;
  readonly durationSeconds: number;
}

/** This instance took or gave back the family's lease (a run, or exclusive work such as promote). */
export interface LeaseEvent {
  readonly type: 'lease';
  readonly family: string;
  readonly held: boolean;
}

/**
 * Work that needs the family to itself (promote, rollback, retire, reconcile, replay) found its lease
 * held by another instance and waits for it, polling, until `waitMs` has passed (then LeaseBusyError).
 */
export interface LeaseWaitEvent {
  readonly type: 'lease-wait';
  readonly family: string;
  /** The holder's name as it stored it in the lease row. */
  readonly heldBy: string;
  /** When the lease runs out unless its holder renews it. */
  readonly expiresAt: Date | null;
  /** The longest this work waits. */
  readonly waitMs: number;
}

/**
 * A partitioned backfill's partition changed hands or moved: claimed (with its new token), a bulk request
 * sent for it, done, released (this instance stopped), or lost (its claim was taken over or ran out).
 */
export interface PartitionEvent {
  readonly type: 'partition';
  readonly family: string;
  readonly version: number;
  readonly partition: number;
  readonly holder: string;
  readonly token: number;
  readonly action: 'claimed' | 'bulk' | 'done' | 'released' | 'lost';
}

type WithoutFamily<E> = E extends unknown ? Omit<E, 'family'> : never;

/** What a bulk loader reports; the family that owns the loader adds its name. */
export type LoaderEvent = WithoutFamily<
  BulkRequestEvent | BulkRetryEvent | BulkPushbackEvent | BulkThrottleEvent | OperationsEvent
>;
