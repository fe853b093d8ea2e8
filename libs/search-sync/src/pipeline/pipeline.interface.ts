import type { ChangePosition, Checkpoint } from '../keys/change-position.js';

/** A version as the pipeline sees it: where its index is, how it filters and transforms, where it stands. */
export interface VersionTarget<T> {
  readonly version: number;
  readonly index: string;
  readonly checkpoint: Checkpoint | null;
  readonly filter?: (record: T) => boolean;
  readonly transform: (record: T) => unknown;
}

export type OperationAction = 'index' | 'delete';

/** One document operation for one version, ready for the bulk API. */
export interface IndexOperation {
  readonly version: number;
  readonly index: string;
  readonly id: string;
  readonly action: OperationAction;
  readonly rowVersion: number;
  readonly document?: unknown;
  /** The key in the index's key field (see `keys/key.field.ts`), so reconcile can compare key ranges. */
  readonly keyField?: number | string;
  /**
   * The external version to write with, when it must differ from the row version: reconcile repairs a
   * document that was overwritten behind the library's back (with a higher version) at that version.
   */
  readonly externalVersion?: number;
}

/** A document operation that failed permanently, with why. */
export interface DeadLetterRecord {
  readonly version: number;
  readonly documentId: string;
  readonly operation: OperationAction;
  readonly document: unknown;
  readonly errorType: string;
  readonly reason: string;
  readonly statusCode: number | null;
  readonly attempts: number;
  readonly rowVersion: number;
}

/** A batch after fan-out and transform: the operations of every version, and what already failed. */
export interface PlannedBatch {
  readonly sequence: number;
  readonly end: ChangePosition;
  readonly pending: readonly number[] | null;
  readonly changeCount: number;
  readonly versions: readonly number[];
  readonly operations: readonly IndexOperation[];
  readonly deadLetters: readonly DeadLetterRecord[];
}

/** What loading a set of operations did, for checkpoints and for reports. */
export interface LoadStats {
  readonly requests: number;
  readonly bytes: number;
  readonly succeeded: number;
  /** 409 on an external-versioned write: the index already holds a newer version. */
  readonly alreadyNewer: number;
  /** Deletes of documents that were not there. */
  readonly alreadyDeleted: number;
  /** Items sent again after a transient failure, each costing one of its retry attempts. */
  readonly retriedItems: number;
  /** Items the cluster pushed back (429) sent again once the throttle slowed down: they cost no attempt. */
  readonly throttledItems: number;
  readonly rejected: number;
}

export interface LoadResult {
  readonly deadLetters: readonly DeadLetterRecord[];
  readonly stats: LoadStats;
}

/** A batch whose operations are all durably handled: indexed, already newer, or dead letters. */
export interface LoadedBatch extends PlannedBatch {
  readonly stats: LoadStats;
}
