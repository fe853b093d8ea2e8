import { bigint, integer, jsonb, type PgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** A backfill partition: waiting for an instance, claimed by one (until its claim expires), or done. */
export type PartitionState = 'waiting' | 'claimed' | 'done';

/**
 * The key ranges of a partitioned backfill, `(after, up_to]` (a null end is open), each claimed by one
 * instance at a time with a token bumped on every claim; `cursor` is the last key applied.
 */
export const backfillPartitionTable = (schema: PgSchema) =>
  schema.table(
    'backfill_partitions',
    {
      family: text('family').notNull(),
      version: integer('version').notNull(),
      partition: integer('partition').notNull(),
      after: jsonb('after').$type<unknown[]>(),
      upTo: jsonb('up_to').$type<unknown[]>(),
      cursor: jsonb('cursor').$type<unknown[]>(),
      state: text('state').$type<PartitionState>().notNull().default('waiting'),
      holder: text('holder'),
      token: bigint('token', { mode: 'number' }).notNull().default(0),
      expiresAt: timestamp('expires_at', { withTimezone: true }),
      /** Rows applied, by every holder. */
      rows: bigint('rows', { mode: 'number' }).notNull().default(0),
      claimedAt: timestamp('claimed_at', { withTimezone: true }),
      /** Rows applied since `claimed_at` by the current holder (its rate in status). */
      claimRows: bigint('claim_rows', { mode: 'number' }).notNull().default(0),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
      doneAt: timestamp('done_at', { withTimezone: true }),
    },
    (t) => [primaryKey({ columns: [t.family, t.version, t.partition] })],
  );
