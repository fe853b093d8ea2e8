import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, type PgSchema, text, timestamp } from 'drizzle-orm/pg-core';

/** `abandoned`: the run's lease expired before it finished (its process died or stalled); the next holder closed it. */
export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'skipped' | 'stopped' | 'abandoned';

/** Every run of every family, with its outcome: status reads the last one, tests read them all. */
export const runTable = (schema: PgSchema) =>
  schema.table(
    'runs',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      family: text('family').notNull(),
      holder: text('holder').notNull(),
      token: bigint('token', { mode: 'number' }),
      startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
      finishedAt: timestamp('finished_at', { withTimezone: true }),
      outcome: text('outcome').$type<RunOutcome>().notNull(),
      changes: integer('changes').notNull().default(0),
      batches: integer('batches').notNull().default(0),
      deadLetters: integer('dead_letters').notNull().default(0),
      error: text('error'),
    },
    (t) => [
      index('runs_family_idx').on(t.family, t.id),
      // Every lease taken looks for runs an earlier holder left running: few rows among a growing log.
      index('runs_running_idx').on(t.family).where(sql`outcome = 'running'`),
    ],
  );
