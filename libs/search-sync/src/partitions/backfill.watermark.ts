import type { ReadBound } from '../family/change-capture.interface.js';
import type { Checkpoint } from '../keys/change-position.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';

/** A value of each key column's type; where it sits in the key order does not matter (see below). */
export const placeholderKey = (keys: readonly KeyColumn[]): KeyValue[] =>
  keys.map((k) =>
    k.kind === 'number'
      ? 0
      : k.kind === 'bigint'
        ? '0'
        : k.kind === 'uuid'
          ? '00000000-0000-0000-0000-000000000000'
          : '',
  );

/**
 * The low watermark L of a partitioned backfill, as a checkpoint: every change of a transaction that
 * the snapshot `bound` saw committed (below its xmax, not in progress) is "applied", the others are not.
 * A checkpoint names a position `(change key, key)`; L's is `(xmax - 1, any key)` with transaction
 * `xmax - 1` itself pending, besides those in progress: its changes at or before that position are read
 * by id like any pending transaction's, those after it by the stream that goes on from L, so the key
 * chosen makes no difference. Changes of later transactions sort after L.
 *
 * Why the partitions then make L true: a row whose latest change is before L was written by a
 * transaction that has ended, so whichever partition covers its key reads it; a row written since (its
 * change after L, or of a transaction pending at L) is the stream's, and partitions leave it alone.
 */
export function lowWatermark(bound: ReadBound, keys: readonly KeyColumn[]): Checkpoint {
  const edge = bound.below - 1;
  const pending = [...new Set([...bound.inProgress, edge])].sort((a, b) => a - b);
  return { changeKey: edge, key: placeholderKey(keys), pending };
}
