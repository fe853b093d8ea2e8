import { sql } from 'drizzle-orm';
import { bigint, integer, jsonb, type PgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Per (family, version): the change position up to which every change is applied. */
export const checkpointTable = (schema: PgSchema) =>
  schema.table(
    'checkpoints',
    {
      family: text('family').notNull(),
      version: integer('version').notNull(),
      changeKey: bigint('change_key', { mode: 'number' }).notNull(),
      /** The primary key of the last change applied, as a JSON array of the key columns' values. */
      key: jsonb('key').$type<unknown[]>().notNull(),
      /**
       * Transactions in progress, below `change_key`, when the read that reached the checkpoint was
       * bounded: their changes are not applied yet (a later run reads them by id once they end).
       */
      pending: bigint('pending', { mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.family, t.version] })],
  );
