import type { KeyColumn } from '../family/sync-source.js';
import { compareKeys } from '../keys/key.order.js';

/** Where a change sits in the change order: `(change key, primary key)`. */
export interface ChangePosition {
  readonly changeKey: number;
  readonly key: readonly KeyValue[];
}

/** Key values as they travel through JSON: bigint keys are decimal strings. */
export type KeyValue = number | string;

/**
 * Orders positions exactly as the SQL keyset does, so batches can be cut and versions skipped in
 * memory. Every comparison with a checkpoint goes through here: a checkpoint can sit inside one large
 * transaction, so the change key alone never decides.
 */
export function comparePositions(keys: readonly KeyColumn[], a: ChangePosition, b: ChangePosition): number {
  if (a.changeKey !== b.changeKey) return a.changeKey < b.changeKey ? -1 : 1;
  return compareKeys(keys, a.key, b.key);
}
