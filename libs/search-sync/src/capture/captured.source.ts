import { type SQL, sql } from 'drizzle-orm';
import { transaction } from '../database/database.transaction.js';
import type { SyncDatabase } from '../database/database.type.js';
import { drizzleSchema, relationalQueryName } from '../database/drizzle-schema.js';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import type { BoundChangeCapture, ChangeCapture } from '../family/change-capture.interface.js';
import type { SyncSource } from '../family/sync-source.js';
import type { KeyColumn } from '../keys/key.types.js';
import { tombstoneTableName } from './change-capture.migration.js';

export interface CapturedSourceOptions {
  readonly family: string;
  readonly source: SyncSource;
  readonly capture: ChangeCapture;
  readonly stateSchema: string;
  /** Relations to load with each row, in the same SQL statement (a Drizzle relational query). */
  readonly with?: Record<string, unknown>;
  /** Rows matching it are deletes in every version (soft delete). */
  readonly softDelete?: SQL;
}

/**
 * A family's source as every SQL read of it sees it (the change stream, reconcile, status, replay):
 * the database, the table and its keys, the capture mode bound to it, the tombstone table, and the name
 * `db.query` knows the table by when rows are read with their relations.
 */
export interface CapturedSource extends Omit<CapturedSourceOptions, 'capture'> {
  readonly db: SyncDatabase;
  readonly keys: readonly KeyColumn[];
  /** The capture mode bound to the source: its change key, order key and row version in SQL. */
  readonly capture: BoundChangeCapture;
  /** Whether hard deletes are captured in the tombstone table. */
  readonly tombstones: boolean;
  /** The source's tombstone table in the state schema. */
  readonly tombstoneTable: SQL;
  readonly relationalName?: string;
}

/** Binds the family's capture mode to its source; fails naming the family if relations cannot be read. */
export function captureSource(db: SyncDatabase, options: CapturedSourceOptions): CapturedSource {
  const { source, family } = options;
  let relationalName: string | undefined;
  if (options.with) {
    const schema = drizzleSchema(db);
    relationalName = schema && relationalQueryName(schema, source.table);
    if (!relationalName) {
      throw SearchSyncConfigurationError.family(
        family,
        `relations are requested but table "${source.name}" is not in the schema given to drizzle(): ` +
          'pass { schema } with the table and its relations.',
      );
    }
  }
  return {
    ...options,
    db,
    keys: source.keys,
    capture: options.capture.bind(family, source),
    tombstones: options.capture.tombstones,
    tombstoneTable: sql`${sql.identifier(options.stateSchema)}.${sql.identifier(tombstoneTableName(source))}`,
    relationalName,
  };
}

/** The same source read through `db` instead: a transaction, so several reads see one snapshot. */
export const onDatabase = (source: CapturedSource, db: SyncDatabase): CapturedSource => ({ ...source, db });

/** Runs `read` on one repeatable-read, read-only snapshot of the source. */
export function inSnapshot<T>(
  source: CapturedSource,
  read: (source: CapturedSource) => Promise<T>,
): Promise<T> {
  return transaction(source.db, (tx) => read(onDatabase(source, tx)), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}
