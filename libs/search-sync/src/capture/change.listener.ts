import type { SyncDatabase } from '../database/database.type.js';
import { changeChannel } from './change-capture.migration.js';

/** The part of a postgres.js client that LISTEN needs: one connection of its own, reconnected for you. */
interface ListeningClient {
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onListen?: () => void,
  ): Promise<{ unlisten(): Promise<void> }>;
}

export interface ChangeListening {
  /** Stops listening and closes the listening connection's subscription. */
  stop(): Promise<void>;
}

/**
 * Listens for the capture triggers' notifications on the application's own postgres.js client (it opens
 * one connection for its listeners, reconnects it and listens again after it drops). `onChange` gets the
 * `schema.table` that changed; `onListen` runs each time listening (re)starts, when notifications sent
 * meanwhile may have been missed. Without a listening connection (the driver cannot listen, or the
 * database refused) it says why instead: then only the schedule runs the families.
 */
export async function listenForChanges(
  db: SyncDatabase,
  stateSchema: string,
  onChange: (table: string) => void,
  onListen: () => void,
): Promise<ChangeListening | { readonly unavailable: string }> {
  const client = (db as unknown as { $client?: Partial<ListeningClient> }).$client;
  if (typeof client?.listen !== 'function') {
    return { unavailable: 'the database driver cannot LISTEN (postgres.js can)' };
  }
  try {
    const subscription = await (client as ListeningClient).listen(
      changeChannel(stateSchema),
      onChange,
      onListen,
    );
    return { stop: () => subscription.unlisten() };
  } catch (error) {
    return { unavailable: `LISTEN failed (${error instanceof Error ? error.message : error})` };
  }
}
