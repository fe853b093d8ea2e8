import {
  getTableUniqueName,
  is,
  type RelationalSchemaConfig,
  type TablesRelationalConfig,
} from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import type { SyncDatabase } from './database.type.js';

/**
 * The schema the user passed to `drizzle(client, { schema })`: tables and their `relations(...)`, or
 * undefined without one. Drizzle 0.45 offers no accessor for it but the typed `_.fullSchema` of its
 * database (the object it builds `db.query` from); this is the one place that reads it.
 */
export function drizzleSchema(db: SyncDatabase): Record<string, unknown> | undefined {
  const schema: Record<string, unknown> | undefined = db._.fullSchema;
  return schema && Object.keys(schema).length > 0 ? schema : undefined;
}

/**
 * What Drizzle built `db.query` from (the schema's tables, relations and names), for a session the
 * library binds to a connection of its own: relational queries work in it as on the database. Read from
 * the same typed `_` of the database; undefined without a schema.
 */
export function relationalSchema(
  db: SyncDatabase,
): RelationalSchemaConfig<TablesRelationalConfig> | undefined {
  const { fullSchema, schema, tableNamesMap } = db._;
  return drizzleSchema(db) && schema ? { fullSchema, schema, tableNamesMap } : undefined;
}

/**
 * The name `db.query` knows a table by: its key in the schema, found by the table's unique name
 * (`schema.table`, Drizzle's public `getTableUniqueName`), as Drizzle itself maps tables to queries.
 */
export function relationalQueryName(schema: Record<string, unknown>, table: PgTable): string | undefined {
  const wanted = getTableUniqueName(table);
  return Object.entries(schema).find(
    ([, value]) => is(value, PgTable) && getTableUniqueName(value) === wanted,
  )?.[0];
}
