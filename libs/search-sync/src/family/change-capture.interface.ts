import type { SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { SyncExecutor } from '../database/database.type.js';
import type { SyncSource } from './sync-source.js';

// The contract a family declares its capture mode with (`FamilyDefinition.capture`); the modes themselves
// (exact, timestamp) are capture/change-capture.mode.ts.

/**
 * How a family finds its changes. Both modes express a change key as a bigint that orders changes,
 * a row version that orders the writes of one key, and a horizon: the change key below which nothing
 * new can still appear.
 */
export interface ChangeCapture {
  readonly mode: 'exact' | 'timestamp';
  /** Whether hard deletes are captured as tombstones. */
  readonly tombstones: boolean;
  /** Binds the mode to a source; fails with a configuration error if the table lacks what it needs. */
  bind(family: string, source: SyncSource): BoundChangeCapture;
}

export interface BoundChangeCapture {
  /** The change key of a row, selected with it (bigint). */
  readonly changeKey: SQL;
  /** What the keyset compares and orders by; same order as `changeKey`, but indexable. */
  readonly orderKey: SQL | PgColumn;
  /** A change key value as SQL comparable with `orderKey`. */
  orderValue(changeKey: number): SQL;
  readonly rowVersion: SQL;
  /**
   * When the change key and the row version are plain columns of the table, their property names: every
   * read selects the whole row anyway, so it takes them from there instead of selecting them twice.
   */
  readonly rowProperties?: { readonly changeKey: string; readonly rowVersion: string };
  /** Which change keys are final now: below `below`, except those `inProgress`. */
  bound(db: SyncExecutor): Promise<ReadBound>;
  /** The oldest change key that can still change (a transaction in progress), for pruning and status. */
  horizon(db: SyncExecutor): Promise<number>;
}

/** A snapshot of the source's transactions, taken once per run. */
export interface ReadBound {
  /** Change keys at or above it were not committed when the bound was taken (the snapshot's xmax). */
  readonly below: number;
  /** Change keys below `below` still in progress then (the snapshot's xip). */
  readonly inProgress: readonly number[];
}
