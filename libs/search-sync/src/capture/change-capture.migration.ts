import { sql } from 'drizzle-orm';
import { transaction } from '../database/database.transaction.js';
import type { SyncDatabase, SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { CaptureNotInstalledError } from '../errors/capture-not-installed.error.js';
import type { SyncSource } from '../family/sync-source.js';
import { searchSyncStateSql } from '../state/state.migration.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import { assertSqlIdentifier } from '../utils/identifier.util.js';
import { CHANGE_KEY_COLUMN, ROW_VERSION_COLUMN } from './change-capture.columns.js';

const quote = (name: string) => `"${name}"`;

/** Text keys are ordered byte-wise so that JavaScript and PostgreSQL agree on the change order. */
export function keyOrderSql(source: SyncSource, qualifier = ''): string {
  return source.keys
    .map((k) => `${qualifier}${quote(k.name)}${k.kind === 'text' ? ' collate "C"' : ''}`)
    .join(', ');
}

/** The channel the capture triggers notify on commit: the state schema's name (a checked identifier). */
export const changeChannel = (stateSchema: string) => assertSqlIdentifier(stateSchema, 'State schema');

/** The library-owned table that receives hard deletes of one source, in the state schema. */
export function tombstoneTableName(source: SyncSource): string {
  const base = source.schema === 'public' ? source.name : `${source.schema}_${source.name}`;
  return assertSqlIdentifier(`${base}_tombstones`.slice(0, 63), 'Tombstone table');
}

/**
 * The SQL that installs exact change capture on one table, idempotent: the change-key and row-version
 * columns, the trigger that maintains them, the `(change key, key)` index and the tombstone trigger.
 * Put it in a custom drizzle-kit migration (`drizzle-kit generate --custom`) as one statement block
 * (PostgreSQL runs it whole; splitting it would cut the function bodies) or run it through
 * `installChangeCapture`.
 */
export function changeCaptureSql(source: SyncSource, stateSchema: string = DEFAULT_STATE_SCHEMA): string {
  const s = quote(assertSqlIdentifier(stateSchema, 'State schema'));
  const table = `${quote(source.schema)}.${quote(source.name)}`;
  const tombstones = `${s}.${quote(tombstoneTableName(source))}`;
  const prefix = `${source.schema}_${source.name}`.slice(0, 40);
  const keyColumns = source.keys.map((k) => quote(k.name)).join(', ');
  const keyDefinitions = source.keys.map((k) => `${quote(k.name)} ${k.sqlType} not null`).join(', ');
  const oldKeys = source.keys.map((k) => `old.${quote(k.name)}`).join(', ');
  const xid = 'pg_current_xact_id()::text::bigint';
  const nextVersion = `nextval('${s}.row_version_seq')`;
  const notifyChannel = `'${changeChannel(stateSchema)}'`;
  return `
create sequence if not exists ${s}.row_version_seq;
alter table ${table} add column if not exists ${CHANGE_KEY_COLUMN} bigint not null default (${xid});
alter table ${table} add column if not exists ${ROW_VERSION_COLUMN} bigint not null default ${nextVersion};
create index if not exists ${quote(`${prefix}_ss_change_idx`)} on ${table} (${CHANGE_KEY_COLUMN}, ${keyOrderSql(source)});

-- The row version is taken after the row lock (BEFORE UPDATE triggers run once the row is locked),
-- so for any key it grows in commit order: OpenSearch external versioning relies on that.
-- The notification wakes listening instances at commit (PostgreSQL delivers it then, and folds the
-- copies one transaction sends), so a change is synced at once instead of at the next scheduled run.
create or replace function ${s}.capture_change() returns trigger language plpgsql as $fn$
begin
  new.${CHANGE_KEY_COLUMN} := ${xid};
  new.${ROW_VERSION_COLUMN} := ${nextVersion};
  perform pg_notify(${notifyChannel}, tg_table_schema || '.' || tg_table_name);
  return new;
end
$fn$;
drop trigger if exists search_sync_capture on ${table};
create trigger search_sync_capture before insert or update on ${table}
  for each row execute function ${s}.capture_change();

create table if not exists ${tombstones} (
  tombstone_id bigserial primary key,
  ${keyDefinitions},
  change_key bigint not null,
  row_version bigint not null,
  deleted_at timestamptz not null default now()
);
create index if not exists ${quote(`${prefix}_ss_tomb_idx`)} on ${tombstones} (change_key, ${keyOrderSql(source)});
-- BEFORE, not AFTER: an AFTER row trigger runs at the end of its statement, so a key deleted and inserted
-- again in one statement (a data-modifying CTE) would give the delete a row version above the insert's.
-- A BEFORE trigger runs once the row is locked, as the capture trigger does, so versions follow the
-- order of the writes to the key.
create or replace function ${s}.${quote(`${prefix}_tombstone`)}() returns trigger language plpgsql as $fn$
begin
  insert into ${tombstones} (${keyColumns}, change_key, row_version) values (${oldKeys}, ${xid}, ${nextVersion});
  perform pg_notify(${notifyChannel}, tg_table_schema || '.' || tg_table_name);
  return old;
end
$fn$;
drop trigger if exists search_sync_tombstone on ${table};
create trigger search_sync_tombstone before delete on ${table}
  for each row execute function ${s}.${quote(`${prefix}_tombstone`)}();
`;
}

/** Installs the state tables and change capture on a source table; safe to repeat. */
export async function installChangeCapture(
  db: SyncDatabase,
  source: SyncSource,
  stateSchema: string = DEFAULT_STATE_SCHEMA,
): Promise<void> {
  await transaction(db, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('search-sync:install'))`);
    await tx.execute(sql.raw(searchSyncStateSql(stateSchema)));
    await tx.execute(sql.raw(changeCaptureSql(source, stateSchema)));
  });
}

/**
 * Fails with a message that names the migration to apply when a table has no change capture (with
 * `family`, also the command that writes it).
 */
export async function assertChangeCaptureInstalled(
  db: SyncExecutor,
  source: SyncSource,
  stateSchema: string = DEFAULT_STATE_SCHEMA,
  family?: string,
): Promise<void> {
  const rows = await queryRows<{ columns: number; trigger: boolean; tombstones: string | null }>(
    db,
    sql`select
      (select count(*)::int from information_schema.columns
        where table_schema = ${source.schema} and table_name = ${source.name}
          and column_name in (${CHANGE_KEY_COLUMN}, ${ROW_VERSION_COLUMN})) as columns,
      exists (select 1 from pg_trigger where tgname = 'search_sync_capture'
        and tgrelid = to_regclass(${`"${source.schema}"."${source.name}"`})) as trigger,
      to_regclass(${`"${stateSchema}"."${tombstoneTableName(source)}"`})::text as tombstones`,
  );
  const [state = { columns: 0, trigger: false, tombstones: null }] = rows;
  const table = `${source.schema}.${source.name}`;
  const missing = (what: string) => new CaptureNotInstalledError(table, what, family);
  if (state.columns !== 2) throw missing('the change-key or row-version column');
  if (!state.trigger) throw missing('the search_sync_capture trigger');
  if (!state.tombstones) throw missing(`the tombstone table ${tombstoneTableName(source)}`);
}
