import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { ChangePosition, Checkpoint } from '../keys/change-position.js';
import type { ReadScope } from '../pipeline/extract.stage.js';
import type { CapturedSource } from './captured.source.js';
import { namedKeyColumn, tableKeyColumn, tupleSql } from './key.sql.js';

/**
 * Change positions as SQL conditions, for the source's rows and its tombstones alike: every comparison
 * with a checkpoint uses the full position `(change key, key)`, and the transactions it left pending.
 */

/** Transaction ids as one bigint[] parameter. */
export const transactionIds = (ids: readonly number[]) => sql`${`{${ids.join(',')}}`}::bigint[]`;

/** The tombstone table's change key column. */
export const TOMBSTONE_CHANGE_KEY = sql`change_key`;

/** `after`, or a change of one of the checkpoint's pending transactions. */
const withPending = (after: SQL, changeKey: SQL | PgColumn, checkpoint: Checkpoint): SQL =>
  checkpoint.pending?.length
    ? sql`(${after} or ${changeKey} = any(${transactionIds(checkpoint.pending)}))`
    : after;

/** Rows whose change position is after `position`. */
export function rowsAfter({ keys, capture }: CapturedSource, position: ChangePosition): SQL {
  return tupleSql(keys, tableKeyColumn, '>', position.key, {
    column: capture.orderKey,
    value: capture.orderValue(position.changeKey),
  });
}

/** Tombstones whose change position is after `position`. */
export function tombstonesAfter({ keys }: CapturedSource, position: ChangePosition): SQL {
  return tupleSql(keys, namedKeyColumn, '>', position.key, {
    column: TOMBSTONE_CHANGE_KEY,
    value: sql`${position.changeKey}::bigint`,
  });
}

/** Rows a version with this checkpoint has not applied: after its position, or of a pending transaction. */
export const rowsNotApplied = (source: CapturedSource, checkpoint: Checkpoint): SQL =>
  withPending(rowsAfter(source, checkpoint), source.capture.orderKey, checkpoint);

/** Tombstones a version with this checkpoint has not applied. */
export const tombstonesNotApplied = (source: CapturedSource, checkpoint: Checkpoint): SQL =>
  withPending(tombstonesAfter(source, checkpoint), TOMBSTONE_CHANGE_KEY, checkpoint);

/** The changes a scope lets a read see, on a change-key column (`orderKey` or a tombstone's). */
export function inScope(
  { capture }: CapturedSource,
  changeKey: SQL | PgColumn,
  scope: ReadScope,
  after: (position: ChangePosition) => SQL,
): SQL {
  if (scope.kind === 'transactions') {
    const ids = sql`${changeKey} = any(${transactionIds(scope.ids)})`;
    return scope.upTo ? sql`${ids} and not ${after(scope.upTo)}` : ids;
  }
  const value =
    changeKey === capture.orderKey ? capture.orderValue(scope.below) : sql`${scope.below}::bigint`;
  const below = sql`${changeKey} < ${value}`;
  return scope.inProgress.length === 0
    ? below
    : sql`${below} and ${changeKey} <> all(${transactionIds(scope.inProgress)})`;
}
