import { fileURLToPath } from 'node:url';
import { is } from 'drizzle-orm';
import { getTableConfig, PgDialect, PgSequence, PgTable } from 'drizzle-orm/pg-core';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSearchSyncState } from './state.migration.js';
import { DEFAULT_STATE_SCHEMA, type StateTables, stateTables } from './state.schema.js';
import { createStateTestDatabase, type StateTestDatabase } from './state.test-database.js';

/** The project's drizzle-kit migrations, as `migrate(db, { migrationsFolder: 'drizzle' })` applies them. */
const MIGRATIONS = fileURLToPath(new URL('../../../../drizzle', import.meta.url));
/** Where the hand-written DDL goes, beside the schema the migrations create. */
const DDL_SCHEMA = 'ss_ddl';

interface Column {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
}

interface Index {
  readonly name: string;
  readonly unique: boolean;
  readonly method: string;
  readonly columns: readonly string[];
  readonly predicate: string | null;
}

interface TableShape {
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly Index[];
}

type Shape = Record<string, TableShape>;

const byName = <T extends { name: string }>(items: T[]) => items.sort((a, b) => (a.name < b.name ? -1 : 1));
/**
 * `(resolved_at IS NULL)` and `resolved_at is null` are one predicate, and so are `outcome = 'running'`
 * and the `outcome = 'running'::text` PostgreSQL prints back.
 */
const normalisePredicate = (predicate: string | null | undefined) =>
  predicate
    ? predicate
        .toLowerCase()
        .replace(/::text\b/g, '')
        .replace(/[\s()"]/g, '')
    : null;
// Serial types are integers with a sequence default: information_schema shows the integer.
const SERIAL: Record<string, string> = { bigserial: 'bigint', serial: 'integer', smallserial: 'smallint' };

/** The state tables as the Drizzle definitions declare them. */
function drizzleShape(tables: StateTables): Shape {
  const dialect = new PgDialect();
  const shape: Shape = {};
  for (const table of Object.values(tables).filter((t) => is(t, PgTable))) {
    const config = getTableConfig(table as PgTable);
    shape[config.name] = {
      columns: byName(
        config.columns.map((c) => ({
          name: c.name,
          type: SERIAL[c.getSQLType()] ?? c.getSQLType(),
          nullable: !c.notNull,
          hasDefault: c.hasDefault,
        })),
      ),
      primaryKey: [
        ...config.columns.filter((c) => c.primary).map((c) => c.name),
        ...(config.primaryKeys[0]?.columns.map((c) => c.name) ?? []),
      ],
      indexes: byName(
        config.indexes.map(({ config: index }) => ({
          name: index.name!,
          unique: index.unique,
          method: index.method ?? 'btree',
          columns: index.columns.map((c) => (c as { name: string }).name),
          predicate: normalisePredicate(index.where && dialect.sqlToQuery(index.where).sql),
        })),
      ),
    };
  }
  return shape;
}

describe('state tables: DDL, Drizzle definitions and drizzle-kit migrations', () => {
  let database: StateTestDatabase;

  /** The tables of `schema` as PostgreSQL has them, only `tables` if given. */
  async function databaseShape(schema: string, tables?: readonly string[]): Promise<Shape> {
    const sql = database.client;
    const columns = await sql<(Column & { table: string })[]>`
      select table_name as table, column_name as name,
        -- information_schema says only ARRAY for arrays; the element type is in udt_name (_int8 …).
        case when data_type = 'ARRAY' then format_type(udt_name::regtype, null) else data_type end as type,
        is_nullable = 'YES' as nullable, column_default is not null as "hasDefault"
      from information_schema.columns where table_schema = ${schema}`;
    const keys = await sql<{ table: string; name: string }[]>`
      select kcu.table_name as table, kcu.column_name as name
      from information_schema.table_constraints tc
      join information_schema.key_column_usage kcu
        on kcu.constraint_schema = tc.constraint_schema and kcu.constraint_name = tc.constraint_name
      where tc.table_schema = ${schema} and tc.constraint_type = 'PRIMARY KEY'
      order by kcu.table_name, kcu.ordinal_position`;
    const indexes = await sql<(Index & { table: string })[]>`
      select t.relname as table, i.relname as name, ix.indisunique as unique, am.amname as method,
        array(
          select a.attname::text from unnest(ix.indkey::int2[]) with ordinality as k(attnum, n)
          join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.n
        ) as columns,
        pg_get_expr(ix.indpred, ix.indrelid) as predicate
      from pg_index ix
      join pg_class i on i.oid = ix.indexrelid
      join pg_class t on t.oid = ix.indrelid
      join pg_namespace ns on ns.oid = t.relnamespace
      join pg_am am on am.oid = i.relam
      where ns.nspname = ${schema} and not ix.indisprimary`;
    const shape: Shape = {};
    for (const { table } of columns) {
      if (shape[table] || (tables && !tables.includes(table))) continue;
      shape[table] = {
        columns: byName(columns.filter((c) => c.table === table).map(({ table: _, ...c }) => c)),
        primaryKey: keys.filter((k) => k.table === table).map((k) => k.name),
        indexes: byName(
          indexes
            .filter((i) => i.table === table)
            .map(({ table: _, ...i }) => ({ ...i, predicate: normalisePredicate(i.predicate) })),
        ),
      };
    }
    return shape;
  }

  const sequences = (schema: string) => database.client`
    select sequence_name, data_type, start_value, minimum_value, maximum_value, increment, cycle_option
    from information_schema.sequences where sequence_schema = ${schema} and sequence_name = 'row_version_seq'`;

  beforeAll(async () => {
    database = await createStateTestDatabase({ install: false });
    await migrate(database.db, { migrationsFolder: MIGRATIONS });
    await installSearchSyncState(database.db, DDL_SCHEMA);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('installs, from the DDL, exactly the tables, columns, keys and indexes the Drizzle tables declare', async () => {
    const declared = drizzleShape(stateTables(DDL_SCHEMA));
    expect(Object.keys(declared).sort()).toEqual([
      'backfill_partitions',
      'backfill_plans',
      'checkpoints',
      'dead_letters',
      'identity',
      'leases',
      'related_changes',
      'runs',
      'versions',
    ]);
    expect(await databaseShape(DDL_SCHEMA)).toEqual(declared);
  });

  it('creates, through the drizzle-kit migrations, the same state tables as the Drizzle definitions', async () => {
    const declared = drizzleShape(stateTables(DEFAULT_STATE_SCHEMA));
    expect(await databaseShape(DEFAULT_STATE_SCHEMA, Object.keys(declared))).toEqual(declared);
  });

  it('creates the row version sequence the Drizzle schema declares, alike in the DDL and the migrations', async () => {
    const declared = Object.values(stateTables(DDL_SCHEMA)).filter((s) => is(s, PgSequence)) as PgSequence[];
    expect(declared.map((s) => s.seqName)).toEqual(['row_version_seq']);
    const fromDdl = await sequences(DDL_SCHEMA);
    expect(fromDdl).toHaveLength(1);
    expect(await sequences(DEFAULT_STATE_SCHEMA)).toEqual(fromDdl);
  });

  it('leaves a database migrated by drizzle-kit as it is when the DDL runs over it, again and again', async () => {
    const before = await databaseShape(DEFAULT_STATE_SCHEMA);
    await installSearchSyncState(database.db);
    await installSearchSyncState(database.db);
    expect(await databaseShape(DEFAULT_STATE_SCHEMA)).toEqual(before);
  });
});
