import { bigint, bigserial, index, jsonb, type PgSchema, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Rows of related tables that changed (their join values), per synced table (`schema.table`) and
 * relation path, until a sync has touched their parents: the related-change triggers write them, the
 * fan-out consumes them (the touched parents are changes of every family over that table).
 */
export const relatedChangeTable = (schema: PgSchema) =>
  schema.table(
    'related_changes',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      source: text('source').notNull(),
      path: text('path').notNull(),
      vals: jsonb('vals').notNull(),
      /** The writing transaction: a parent it wrote as well is synced by its own change, not touched. */
      xid: bigint('xid', { mode: 'number' }).notNull(),
      /** When it was recorded (the writing transaction's start): how long status says it has waited. */
      recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [index('related_changes_source_idx').on(t.source, t.path, t.id)],
  );
