import { sql } from 'drizzle-orm';
import { transaction } from '../database/database.transaction.js';
import type { SyncDatabase } from '../database/database.type.js';
import { assertSqlIdentifier } from '../utils/identifier.util.js';
import { DEFAULT_STATE_SCHEMA } from './state.schema.js';

/**
 * The DDL of the state tables, idempotent, for users who apply it through their own migrations
 * (`drizzle-kit generate --custom`, then paste) and for `installSearchSyncState`. It matches
 * `defineStateTables`; a test compares the two.
 */
export function searchSyncStateSql(schemaName: string = DEFAULT_STATE_SCHEMA): string {
  const s = `"${assertSqlIdentifier(schemaName, 'State schema')}"`;
  return `
create schema if not exists ${s};
create sequence if not exists ${s}.row_version_seq;
create table if not exists ${s}.checkpoints (
  family text not null,
  version integer not null,
  change_key bigint not null,
  key jsonb not null,
  pending bigint[] not null default '{}'::bigint[],
  updated_at timestamptz not null default now(),
  primary key (family, version)
);
alter table ${s}.checkpoints add column if not exists pending bigint[] not null default '{}'::bigint[];
create table if not exists ${s}.dead_letters (
  id bigserial primary key,
  family text not null,
  version integer not null,
  document_id text not null,
  operation text not null,
  document jsonb,
  error_type text not null,
  reason text not null,
  status_code integer,
  attempts integer not null,
  row_version bigint not null,
  first_failed_at timestamptz not null default now(),
  last_failed_at timestamptz not null default now(),
  resolved_at timestamptz
);
create unique index if not exists dead_letters_open_uq on ${s}.dead_letters (family, version, document_id)
  where resolved_at is null;
create index if not exists dead_letters_family_idx on ${s}.dead_letters (family, version, id);
create table if not exists ${s}.versions (
  family text not null,
  version integer not null,
  index_name text not null,
  state text not null,
  definition_hash text not null,
  promoted_at timestamptz,
  delete_after timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sample jsonb,
  version_base bigint not null default 0,
  adopted_from jsonb,
  primary key (family, version)
);
alter table ${s}.versions add column if not exists sample jsonb;
create table if not exists ${s}.related_changes (
  id bigserial primary key,
  source text not null,
  path text not null,
  vals jsonb not null,
  xid bigint not null
);
create index if not exists related_changes_source_idx on ${s}.related_changes (source, path, id);
alter table ${s}.related_changes add column if not exists recorded_at timestamptz not null default now();
alter table ${s}.versions add column if not exists version_base bigint not null default 0;
alter table ${s}.versions add column if not exists adopted_from jsonb;
create table if not exists ${s}.leases (
  family text primary key,
  holder text not null,
  token bigint not null,
  acquired_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create table if not exists ${s}.runs (
  id bigserial primary key,
  family text not null,
  holder text not null,
  token bigint,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text not null,
  changes integer not null default 0,
  batches integer not null default 0,
  dead_letters integer not null default 0,
  error text
);
create index if not exists runs_family_idx on ${s}.runs (family, id);
create index if not exists runs_running_idx on ${s}.runs (family) where outcome = 'running';
create table if not exists ${s}.identity (
  id uuid primary key default gen_random_uuid(),
  system_identifier text not null,
  database_name text not null,
  copied_from uuid,
  created_at timestamptz not null default now()
);
create table if not exists ${s}.backfill_plans (
  family text not null,
  version integer not null,
  change_key bigint not null,
  key jsonb not null,
  pending bigint[] not null,
  rows bigint not null,
  created_at timestamptz not null default now(),
  merged_at timestamptz,
  primary key (family, version)
);
create table if not exists ${s}.backfill_partitions (
  family text not null,
  version integer not null,
  partition integer not null,
  after jsonb,
  up_to jsonb,
  cursor jsonb,
  state text not null default 'waiting',
  holder text,
  token bigint not null default 0,
  expires_at timestamptz,
  rows bigint not null default 0,
  claimed_at timestamptz,
  claim_rows bigint not null default 0,
  updated_at timestamptz not null default now(),
  done_at timestamptz,
  primary key (family, version, partition)
);
`;
}

/** Creates the state tables if they are missing; safe to call at every start and from many processes. */
export async function installSearchSyncState(
  db: SyncDatabase,
  schemaName: string = DEFAULT_STATE_SCHEMA,
): Promise<void> {
  // The advisory lock serialises concurrent installers: `create ... if not exists` alone can race.
  await transaction(db, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('search-sync:install'))`);
    await tx.execute(sql.raw(searchSyncStateSql(schemaName)));
  });
}
