import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  type PgSchema,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Document operations that failed for good, per family and version, until replayed or resolved. */
export const deadLetterTable = (schema: PgSchema) =>
  schema.table(
    'dead_letters',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      family: text('family').notNull(),
      version: integer('version').notNull(),
      documentId: text('document_id').notNull(),
      operation: text('operation').$type<'index' | 'delete'>().notNull(),
      document: jsonb('document'),
      errorType: text('error_type').notNull(),
      reason: text('reason').notNull(),
      statusCode: integer('status_code'),
      attempts: integer('attempts').notNull(),
      rowVersion: bigint('row_version', { mode: 'number' }).notNull(),
      firstFailedAt: timestamp('first_failed_at', { withTimezone: true }).notNull().defaultNow(),
      lastFailedAt: timestamp('last_failed_at', { withTimezone: true }).notNull().defaultNow(),
      resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    },
    (t) => [
      // One open dead letter per document and version: a new failure of the same document updates it.
      uniqueIndex('dead_letters_open_uq')
        .on(t.family, t.version, t.documentId)
        .where(sql`resolved_at is null`),
      index('dead_letters_family_idx').on(t.family, t.version, t.id),
    ],
  );
