import { databaseDriver } from '../database/database.driver.js';
import type { SyncDatabase } from '../database/database.type.js';
import type { Listening } from '../database/database-driver.interface.js';
import { changeChannel } from './change-capture.migration.js';

/**
 * Listens for the capture triggers' notifications through the database's driver: on the application's
 * postgres.js client (one connection it keeps for its listeners), or on a node-postgres client the
 * library opens beside the application's pool. Either listens again after its connection dropped.
 * `onChange` gets the `schema.table` that changed; `onListen` runs each time listening (re)starts, when
 * notifications sent meanwhile may have been missed. Without a listening connection (the driver cannot
 * listen, or the database refused) it says why instead: then only the schedule runs the families.
 */
export async function listenForChanges(
  db: SyncDatabase,
  stateSchema: string,
  onChange: (table: string) => void,
  onListen: () => void,
): Promise<Listening | { readonly unavailable: string }> {
  try {
    const { listen } = await databaseDriver(db);
    if (!listen)
      return { unavailable: 'the database driver cannot LISTEN (postgres.js and node-postgres can)' };
    return await listen(changeChannel(stateSchema), onChange, onListen);
  } catch (error) {
    return { unavailable: `LISTEN failed (${error instanceof Error ? error.message : error})` };
  }
}
