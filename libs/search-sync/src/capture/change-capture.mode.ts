import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import type { SyncSource } from '../family/sync-source.js';
import type { ReadBound } from '../pipeline/extract.stage.js';
import { CHANGE_KEY_COLUMN, ROW_VERSION_COLUMN } from './change-capture.columns.js';

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

function findColumn(source: SyncSource, name: string): PgColumn | undefined {
  const property = source.properties.get(name);
  return property ? (source.table as unknown as Record<string, PgColumn>)[property] : undefined;
}

/**
 * Exact capture (the default): change key = id of the last writing transaction; a read is bounded by a
 * snapshot, so every committed change is read exactly once its transaction has ended, and a transaction
 * left open holds back only its own changes.
 */
export function exactCapture(): ChangeCapture {
  return {
    mode: 'exact',
    tombstones: true,
    bind(family, source) {
      const changeKey = findColumn(source, CHANGE_KEY_COLUMN);
      const rowVersion = findColumn(source, ROW_VERSION_COLUMN);
      if (!changeKey || !rowVersion) {
        throw SearchSyncConfigurationError.family(
          family,
          `table "${source.name}" must declare the change-capture columns: spread changeCaptureColumns() into its pgTable.`,
        );
      }
      return {
        changeKey: sql`${changeKey}`,
        orderKey: changeKey,
        orderValue: (value) => sql`${value}::bigint`,
        rowVersion: sql`${rowVersion}`,
        rowProperties: {
          changeKey: source.properties.get(CHANGE_KEY_COLUMN)!,
          rowVersion: source.properties.get(ROW_VERSION_COLUMN)!,
        },
        // One snapshot, as PgQ bounds its batches: transactions below its xmax that it does not list as
        // in progress are finished; those it lists are read by id once a later snapshot sees them end.
        async bound(db) {
          const [row] = await queryRows<{ xmax: string; xip: string[] }>(
            db,
            sql`select pg_snapshot_xmax(s)::text as xmax, array(select x::text from pg_snapshot_xip(s) x) as xip
              from (select pg_current_snapshot() as s) as snapshot`,
          );
          return { below: Number(row.xmax), inProgress: row.xip.map(Number) };
        },
        async horizon(db) {
          const [row] = await queryRows<{ horizon: string }>(
            db,
            sql`select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`,
          );
          return Number(row.horizon);
        },
      };
    },
  };
}

export interface TimestampCaptureOptions {
  /** How long after its timestamp a row is assumed committed. Longer transactions are missed. */
  readonly visibilityLagMs: number;
}

/**
 * The weaker mode, for tables that cannot be altered: an `updated_at`-style column polled up to
 * `now() - visibilityLag`. What it misses: rows whose transaction commits later than the lag after the
 * timestamp was set, hard deletes (no tombstones: run `reconcile`), and updates that do not touch the
 * column. Its row version is the timestamp in microseconds, so two writes within one microsecond tie.
 */
export function timestampCapture(column: PgColumn, options: TimestampCaptureOptions): ChangeCapture {
  return {
    mode: 'timestamp',
    tombstones: false,
    bind(family, source) {
      if (findColumn(source, column.name) !== column) {
        throw SearchSyncConfigurationError.family(
          family,
          `timestamp column "${column.name}" is not a column of "${source.name}".`,
        );
      }
      const withZone = column.getSQLType().includes('with time zone');
      const micros = sql`(extract(epoch from ${column}) * 1000000)::bigint`;
      const epoch = withZone ? sql`timestamptz 'epoch'` : sql`timestamp 'epoch'`;
      const now = withZone ? sql`now()` : sql`localtimestamp`;
      return {
        changeKey: micros,
        orderKey: column,
        orderValue: (value) => sql`(${epoch} + ${value}::bigint * interval '1 microsecond')`,
        rowVersion: micros,
        async bound(db) {
          return { below: await this.horizon(db), inProgress: [] };
        },
        async horizon(db) {
          const [row] = await queryRows<{ horizon: string }>(
            db,
            sql`select (extract(epoch from ${now} - ${options.visibilityLagMs}::int * interval '1 millisecond') * 1000000)::bigint::text as horizon`,
          );
          return Number(row.horizon);
        },
      };
    },
  };
}
