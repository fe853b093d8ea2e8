import type { ChangePosition, Checkpoint, KeyValue } from '../keys/change-position.js';

/**
 * A stage: an async iterable of batches in, one out. Built-in stages and user stages share this
 * contract, so a family can put its own (enrichment, masking, embeddings) between normalise and transform.
 */
export type Stage<In, Out> = (batches: AsyncIterable<In>) => AsyncIterable<Out>;

/** One change of one source row: its latest state, or its deletion. */
export interface SourceChange<T> {
  readonly id: string;
  readonly key: readonly KeyValue[];
  readonly position: ChangePosition;
  /** Grows with every committed write of this key: the OpenSearch external version. */
  readonly rowVersion: number;
  /** A hard delete (tombstone) or a row that matches the family's soft-delete predicate. */
  readonly deleted: boolean;
  /** The row, normalised to the family's DTO by the normalise stage; null for a hard delete. */
  readonly record: T | null;
}

/** A page of changes in change order. `end` is where every version's checkpoint may move once handled. */
export interface ChangeBatch<T> {
  readonly sequence: number;
  readonly end: ChangePosition;
  /**
   * The transactions a checkpoint at `end` leaves pending; null for a batch that catches up pending
   * transactions, which moves no checkpoint (they are settled once all of them are read).
   */
  readonly pending: readonly number[] | null;
  readonly changes: readonly SourceChange<T>[];
}

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
