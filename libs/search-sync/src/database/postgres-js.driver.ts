import { connectionLost } from './connection-lost.util.js';
import type { SyncDatabase, SyncTransaction, TransactionConfig } from './database.type.js';
import type { DatabaseDriver } from './database-driver.interface.js';

/** The part of a postgres.js client that LISTEN needs: one connection of its own, reconnected for you. */
interface ListeningClient {
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onListen?: () => void,
  ): Promise<{ unlisten(): Promise<void> }>;
}

// How long work that lost its connection waits for the driver to notice before failing the usual way.
const CLOSE_GRACE_MS = 5_000;

/**
 * postgres.js, the reference driver, and what every driver but node-postgres gets (PGlite...).
 * LISTEN runs on the application's own postgres.js client, which opens one connection for its listeners,
 * reconnects it and listens again after it drops; a client without `listen` (PGlite) cannot listen.
 */
export function postgresJsDriver(db: SyncDatabase): DatabaseDriver {
  const client = (db as unknown as { $client?: Partial<ListeningClient> }).$client;
  const listening = typeof client?.listen === 'function' ? (client as ListeningClient) : undefined;
  return {
    transaction: (work, config) => closeSafeTransaction(db, work, config),
    listen: listening
      ? async (channel, onNotify, onListen) => {
          const subscription = await listening.listen(channel, onNotify, onListen);
          return { stop: () => subscription.unlisten() };
        }
      : undefined,
  };
}

/**
 * `db.transaction(work)`, except that work which fails because its connection is gone never has its
 * rollback written to that connection, nor work that ends after it went its commit. postgres.js 3.4
 * (3.4.10, the last 3.x, too) writes such a rollback from a timer onto the closed socket and throws an
 * uncaught TypeError that would crash the host application (porsager/postgres#1208); 4.x writes none.
 * Both reject the transaction itself when its connection closes; once it has, the failed work is left
 * unsettled (nothing holds it, so it is collected) instead of rolling back.
 * A driver that does not reject on close (PGlite) gets the ordinary rollback after a grace.
 */
async function closeSafeTransaction<T>(
  db: SyncDatabase,
  work: (tx: SyncTransaction) => Promise<T>,
  config?: TransactionConfig,
): Promise<T> {
  let settle: () => void = () => {};
  let closed = false;
  const settled = new Promise<boolean>((resolve) => {
    settle = () => {
      closed = true;
      resolve(true);
    };
  });
  const outcome = db.transaction(async (tx) => {
    try {
      const result = await work(tx);
      // Settled before the work ended: the connection closed under it (a session the server ended while
      // its client was paused). Returning would have the driver write the commit onto the closed socket.
      return closed ? new Promise<T>(() => {}) : result;
    } catch (error) {
      if (connectionLost(error) && (await within(settled, CLOSE_GRACE_MS))) return new Promise<T>(() => {});
      throw error;
    }
  }, config);
  outcome.then(settle, settle);
  return outcome;
}

/** Whether `settled` resolves within `ms`. */
async function within(settled: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
