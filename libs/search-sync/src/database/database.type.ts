import type { SQLWrapper } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/**
 * Any Drizzle PostgreSQL database (postgres.js and node-postgres are tested; database.driver.ts keeps
 * what differs between them). Kept in one place because Drizzle 1.0 moves drivers off `PgDatabase`:
 * the peer range is bounded until that is tested.
 */
export type SyncDatabase = PgDatabase<PgQueryResultHKT, any>;

/** What `db.transaction(work)` hands `work`, and its options (isolation level, access mode). */
export type SyncTransaction = Parameters<Parameters<SyncDatabase['transaction']>[0]>[0];
export type TransactionConfig = Parameters<SyncDatabase['transaction']>[1];

/** A database or a transaction opened on it: stores accept either, so callers choose the atomicity. */
export type SyncExecutor = Pick<SyncDatabase, 'execute'>;

/**
 * Runs raw SQL and returns its rows whatever the driver: postgres.js answers an array, node-postgres
 * and PGlite answer `{ rows }`.
 */
export async function queryRows<T extends Record<string, unknown>>(
  db: SyncExecutor,
  query: SQLWrapper,
): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
