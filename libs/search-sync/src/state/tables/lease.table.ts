import { bigint, type PgSchema, text, timestamp } from 'drizzle-orm/pg-core';

/** Who may run a family now: one row per family, with an expiry and a fencing token. */
export const leaseTable = (schema: PgSchema) =>
  schema.table('leases', {
    family: text('family').primaryKey(),
    holder: text('holder').notNull(),
    token: bigint('token', { mode: 'number' }).notNull(),
    acquiredAt: timestamp('acquired_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  });
