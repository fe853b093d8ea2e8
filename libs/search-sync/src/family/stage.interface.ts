import type { ChangePosition } from '../keys/change-position.js';
import type { KeyValue } from '../keys/key.types.js';

// The contract of a stage, which a family declares its own stages with (`FamilyDefinition.stages`); the
// pipeline's built-in stages share it (pipeline/pipeline.interface.ts has the rest of the pipeline's types).

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
