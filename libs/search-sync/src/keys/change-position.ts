import { compareKeys } from './key.order.js';
import type { KeyColumn, KeyValue } from './key.types.js';

/** Where a change sits in the change order: `(change key, primary key)`. */
export interface ChangePosition {
  readonly changeKey: number;
  readonly key: readonly KeyValue[];
}

/**
 * A version's checkpoint: every change at or before its position is applied, except those of the
 * `pending` transactions, which were still in progress when the read that reached it was bounded (a
 * later run reads them by id once they have finished).
 */
export interface Checkpoint extends ChangePosition {
  readonly pending?: readonly number[];
}

/** Whether a change is one a version with this checkpoint has not applied yet. */
export function isAfterCheckpoint(
  keys: readonly KeyColumn[],
  position: ChangePosition,
  checkpoint: Checkpoint | null,
): boolean {
  if (!checkpoint) return true;
  return (
    comparePositions(keys, position, checkpoint) > 0 ||
    (checkpoint.pending?.includes(position.changeKey) ?? false)
  );
}

/**
 * Orders positions exactly as the SQL keyset does, so batches can be cut and versions skipped in
 * memory. Every comparison with a checkpoint goes through here: a checkpoint can sit inside one large
 * transaction, so the change key alone never decides.
 */
export function comparePositions(keys: readonly KeyColumn[], a: ChangePosition, b: ChangePosition): number {
  if (a.changeKey !== b.changeKey) return a.changeKey < b.changeKey ? -1 : 1;
  return compareKeys(keys, a.key, b.key);
}
