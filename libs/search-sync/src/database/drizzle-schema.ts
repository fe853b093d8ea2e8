import { getTableUniqueName, is } from 'drizzle-orm';
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
 * The name `db.query` knows a table by: its key in the schema, found by the table's unique name
 * (`schema.table`, Drizzle's public `getTableUniqueName`), as Drizzle itself maps tables to queries.
 */
export function relationalQueryName(schema: Record<string, unknown>, table: PgTable): string | undefined {
  const wanted = getTableUniqueName(table);
  return Object.entries(schema).find(
    ([, value]) => is(value, PgTable) && getTableUniqueName(value) === wanted,
  )?.[0];
}
