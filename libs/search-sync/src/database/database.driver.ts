import { is } from 'drizzle-orm';
import type { SyncDatabase } from './database.type.js';
import type { DatabaseDriver } from './database-driver.interface.js';
import { postgresJsDriver } from './postgres-js.driver.js';

const drivers = new WeakMap<SyncDatabase, Promise<DatabaseDriver>>();

/**
 * The driver of a Drizzle database: node-postgres when it is a `NodePgDatabase` (Drizzle's `is()`),
 * postgres.js for everything else (the reference driver; PGlite and others get its transactions and no
 * LISTEN). `drizzle-orm/node-postgres` and the node-postgres driver are loaded only here, on demand: they
 * import `pg`, an optional peer that an application on postgres.js does not install (and without it no
 * database can be a `NodePgDatabase`).
 */
export function databaseDriver(db: SyncDatabase): Promise<DatabaseDriver> {
  let driver = drivers.get(db);
  if (!driver) {
    driver = choose(db);
    drivers.set(db, driver);
  }
  return driver;
}

async function choose(db: SyncDatabase): Promise<DatabaseDriver> {
  const nodePostgres = await import('drizzle-orm/node-postgres').catch(() => undefined);
  if (nodePostgres && is(db, nodePostgres.NodePgDatabase)) {
    const { nodePostgresDriver } = await import('./node-postgres.driver.js');
    return nodePostgresDriver(db);
  }
  return postgresJsDriver(db);
}
