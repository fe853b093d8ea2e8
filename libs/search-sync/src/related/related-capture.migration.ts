import { createHash } from 'node:crypto';
import { getTableName, sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { CHANGE_KEY_COLUMN } from '../capture/change-capture.columns.js';
import { changeChannel } from '../capture/change-capture.migration.js';
import type { SyncDatabase, SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { RelatedCaptureNotInstalledError } from '../errors/related-capture-not-installed.error.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import { assertSqlIdentifier } from '../utils/identifier.util.js';
import { type RelatedHop, type RelatedPath, splitRelations, type TableName } from './related.paths.js';

const quote = (name: string) => `"${name}"`;
const qualified = (table: TableName) => `${quote(table.schema)}.${quote(table.name)}`;

/** `schema.table`, as the related-change queue and the notifications name a synced table. */
export const sourceName = (table: TableName) => `${table.schema}.${table.name}`;

/**
 * The trigger (and its function) that records the related changes of one relation path of one synced
 * table; families over the same table with the same relation share it.
 */
export function relatedTriggerName(parent: TableName, path: RelatedPath): string {
  const digest = createHash('sha256')
    .update(`${sourceName(parent)}:${path.path}`)
    .digest('hex')
    .slice(0, 12);
  return assertSqlIdentifier(`ss_rel_${parent.name.slice(0, 30)}_${digest}`, 'Trigger');
}

/**
 * The SQL that records which rows of a synced table's related tables changed: per relation path an
 * AFTER trigger that inserts one small row into the state schema's `related_changes` (the join values
 * of the old and new row: a re-pointed row re-indexes both parents) and notifies like the capture
 * trigger. An update that changes no watched column (what the documents embed, and the joins) records
 * nothing. The writer pays O(1) per related row; the fan-out to parents happens in the sync. Idempotent:
 * put it in a custom drizzle-kit migration, or run it through `installRelatedCapture`.
 */
export function relatedCaptureSql(
  parent: TableName,
  paths: readonly RelatedPath[],
  stateSchema: string = DEFAULT_STATE_SCHEMA,
  optedOut: readonly RelatedPath[] = [],
): string {
  const s = quote(assertSqlIdentifier(stateSchema, 'State schema'));
  const notify = `perform pg_notify('${changeChannel(stateSchema)}', '${sourceName(parent)}');`;
  // An opted-out relation costs writers nothing and leaves no queue behind: its trigger goes.
  const drops = optedOut.map((path) => {
    const trigger = relatedTriggerName(parent, path);
    return `
-- ${sourceName(parent)}: "${path.path}" opted out of re-indexing
drop trigger if exists ${quote(trigger)} on ${qualified(path.hops[0].table)};
drop trigger if exists ${quote(`${trigger}_u`)} on ${qualified(path.hops[0].table)};
drop function if exists ${s}.${quote(trigger)}();`;
  });
  const creates = paths.map((path) => {
    const hop = path.hops[0];
    const trigger = relatedTriggerName(parent, path);
    const values = (row: 'old' | 'new') =>
      `jsonb_build_array(${hop.columns.map((c) => `${row}.${quote(c.name)}`).join(', ')})`;
    const joins = (row: 'old' | 'new') => `(${hop.columns.map((c) => `${row}.${quote(c.name)}`).join(', ')})`;
    const watched = (row: 'old' | 'new') => `(${path.watched.map((c) => `${row}.${quote(c)}`).join(', ')})`;
    // A join row whose one parent was written earlier in this same transaction needs nothing: that
    // parent's own change, read after the commit, shows it (a bulk load records nothing). Any other
    // related row may have parents this transaction did not write.
    const writtenHere = (row: 'old' | 'new') =>
      path.oneParent
        ? ` and not exists (select 1 from ${qualified(parent)} p where (${hop.aboveColumns.map((c) => `p.${quote(c)}`).join(', ')}) = ${joins(row)} and p.${CHANGE_KEY_COLUMN} = pg_current_xact_id()::text::bigint)`
        : '';
    const record = (row: 'old' | 'new') =>
      `insert into ${s}.related_changes (source, path, vals, xid) select '${sourceName(parent)}', '${path.path}', ${values(row)}, pg_current_xact_id()::text::bigint where true${writtenHere(row)};`;
    const inserted =
      path.inserts === 'always'
        ? "tg_op = 'INSERT'"
        : `(tg_op = 'INSERT' and not ${foreignKeyFrom(path.hops[1]?.table ?? parent, hop)})`;
    return `
-- ${sourceName(parent)}: re-index the rows whose "${path.path}" (${qualified(hop.table)}) changed
create or replace function ${s}.${quote(trigger)}() returns trigger language plpgsql as $fn$
begin
  if tg_op <> 'INSERT' then ${record('old')} end if;
  if ${inserted} or (tg_op = 'UPDATE' and ${joins('old')} is distinct from ${joins('new')}) then ${record('new')} end if;
  ${notify}
  return null;
end
$fn$;
drop trigger if exists ${quote(trigger)} on ${qualified(hop.table)};
create trigger ${quote(trigger)} after insert or delete on ${qualified(hop.table)}
  for each row execute function ${s}.${quote(trigger)}();
drop trigger if exists ${quote(`${trigger}_u`)} on ${qualified(hop.table)};
create trigger ${quote(`${trigger}_u`)} after update on ${qualified(hop.table)}
  for each row when (${watched('old')} is distinct from ${watched('new')})
  execute function ${s}.${quote(trigger)}();`;
  });
  return [...drops, ...creates].join('\n');
}

/**
 * Whether a validated foreign key from the rows above (`above`, by the hop's join columns) to the related
 * table exists now: then no row can point at a related row before it exists, and inserting one changes
 * no parent. Read from the catalog at each insert, so a key added or dropped later counts at once.
 */
function foreignKeyFrom(above: TableName, hop: RelatedHop): string {
  const attnums = (table: TableName, columns: readonly string[]) =>
    `array[${columns.map((c) => `(select attnum from pg_attribute where attrelid = '${qualified(table)}'::regclass and attname = '${c}')`).join(', ')}]::int2[]`;
  return `exists (select 1 from pg_constraint c where c.contype = 'f' and c.convalidated
    and c.conrelid = '${qualified(above)}'::regclass and c.confrelid = '${qualified(hop.table)}'::regclass
    and c.conkey = ${attnums(above, hop.aboveColumns)} and c.confkey = ${attnums(
      hop.table,
      hop.columns.map((c) => c.name),
    )})`;
}

/** The paths whose related-change trigger is installed on their table. */
async function withTrigger(
  db: SyncExecutor,
  parent: TableName,
  paths: readonly RelatedPath[],
): Promise<RelatedPath[]> {
  const installed: RelatedPath[] = [];
  for (const path of paths) {
    const [row] = await queryRows<{ installed: boolean }>(
      db,
      sql`select exists (select 1 from pg_trigger where tgname = ${relatedTriggerName(parent, path)}
        and tgrelid = to_regclass(${qualified(path.hops[0].table)})) as installed`,
    );
    if (row?.installed) installed.push(path);
  }
  return installed;
}

/** Fails naming the family, the relation and the migration to write when a tracked relation has no trigger. */
export async function assertRelatedCaptureInstalled(
  db: SyncExecutor,
  family: string,
  parent: TableName,
  paths: readonly RelatedPath[],
): Promise<void> {
  const installed = await withTrigger(db, parent, paths);
  const missing = paths.find((path) => !installed.includes(path));
  if (missing)
    throw new RelatedCaptureNotInstalledError(family, missing.path, sourceName(missing.hops[0].table));
}

/**
 * The opted-out relations whose trigger is still installed (the family opted out after its migration):
 * writers still pay for them, and their queue rows wait for a family that tracks them.
 */
export function leftoverRelatedCapture(
  db: SyncExecutor,
  parent: TableName,
  optedOut: readonly RelatedPath[],
): Promise<RelatedPath[]> {
  return withTrigger(db, parent, optedOut);
}

export interface RelatedCaptureOptions {
  /** The synced table and its `with`, as the family declares them. */
  readonly table: PgTable;
  readonly with: Record<string, unknown>;
  /** The schema given to `drizzle()`: its tables and `relations(...)`. */
  readonly schema: Record<string, unknown>;
  /** Relation paths left to reconcile (the family's `reindexOnUpdate: { path: false }`). */
  readonly untracked?: readonly string[];
  readonly stateSchema?: string;
}

/** `relatedCaptureSql` for a table and its `with`, the relations derived from the Drizzle schema. */
export function relatedChangeCaptureSql(options: RelatedCaptureOptions): string {
  const { table } = options;
  const { tracked, optedOut } = splitRelations(
    getTableName(table),
    options.schema,
    table,
    options.with,
    options.untracked ?? [],
  );
  const config = getTableConfig(table);
  return relatedCaptureSql(
    { schema: config.schema ?? 'public', name: config.name },
    tracked,
    options.stateSchema,
    optedOut,
  );
}

/** Installs the related-change triggers of a table's `with`; safe to repeat. */
export async function installRelatedCapture(db: SyncDatabase, options: RelatedCaptureOptions): Promise<void> {
  await db.execute(sql.raw(relatedChangeCaptureSql(options)));
}
