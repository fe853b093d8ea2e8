import { type PgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Which state this is and which database it lives in: the id every index it creates carries in its
 * `_meta`. A state found in another database than its row names (a restored backup, a copy) is given a
 * new id that remembers the one it was copied from, so it never takes the original's indexes for its own.
 */
export const identityTable = (schema: PgSchema) =>
  schema.table('identity', {
    id: uuid('id').primaryKey().defaultRandom(),
    /** `pg_control_system()`: the PostgreSQL cluster, different for every initdb. */
    systemIdentifier: text('system_identifier').notNull(),
    databaseName: text('database_name').notNull(),
    copiedFrom: uuid('copied_from'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  });
