import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { queryRows } from '../database/database.type.js';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import type { ChangeCapture } from '../family/change-capture.interface.js';
import type { SyncSource } from '../family/sync-source.js';
import { CHANGE_KEY_COLUMN, ROW_VERSION_COLUMN } from './change-capture.columns.js';

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
