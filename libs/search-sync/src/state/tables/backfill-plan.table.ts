import { bigint, integer, jsonb, type PgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A new version's partitioned backfill: the low watermark its checkpoint is set to once every
 * partition is done (a snapshot position, with the transactions then in progress pending), and when.
 */
export const backfillPlanTable = (schema: PgSchema) =>
  schema.table(
    'backfill_plans',
    {
      family: text('family').notNull(),
      version: integer('version').notNull(),
      changeKey: bigint('change_key', { mode: 'number' }).notNull(),
      key: jsonb('key').$type<unknown[]>().notNull(),
      pending: bigint('pending', { mode: 'number' }).array().notNull(),
      /** Source rows when the key space was cut (for progress and ETA). */
      rows: bigint('rows', { mode: 'number' }).notNull(),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      /** When the version's checkpoint was set to the watermark; the ordinary stream goes on from there. */
      mergedAt: timestamp('merged_at', { withTimezone: true }),
    },
    (t) => [primaryKey({ columns: [t.family, t.version] })],
  );
