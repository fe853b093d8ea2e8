import { databaseDriver } from './database.driver.js';
import type { SyncDatabase, SyncTransaction, TransactionConfig } from './database.type.js';

/**
 * The one way the library opens a transaction: `db.transaction(work, config)` through the database's
 * driver, which keeps a lost connection from escaping into the host application and a failed
 * transaction from keeping its connection (see postgres-js.driver.ts and node-postgres.driver.ts).
 */
export async function transaction<T>(
  db: SyncDatabase,
  work: (tx: SyncTransaction) => Promise<T>,
  config?: TransactionConfig,
): Promise<T> {
  return (await databaseDriver(db)).transaction(work, config);
}
