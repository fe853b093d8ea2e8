import type { SyncDatabase } from './database.type.js';

export type SyncTransaction = Parameters<Parameters<SyncDatabase['transaction']>[0]>[0];
type TransactionConfig = Parameters<SyncDatabase['transaction']>[1];

// How long work that lost its connection waits for the driver to notice before failing the usual way.
const CLOSE_GRACE_MS = 5_000;

/**
 * `db.transaction(work)`, except that work which fails because its connection is gone never has its
 * rollback written to that connection, nor work that ends after it went its commit. postgres.js 3.4
 * (3.4.10, the last 3.x, too) writes such a rollback from a timer onto the closed socket and throws an
 * uncaught TypeError that would crash the host application (porsager/postgres#1208); 4.x writes none.
 * Both reject the transaction itself when its connection closes; once it has, the failed work is left
 * unsettled (nothing holds it, so it is collected) instead of rolling back.
 * A driver that does not reject on close (node-postgres, PGlite) gets the ordinary rollback after a grace.
 */
export async function transaction<T>(
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

// postgres.js's own codes for a connection it lost, and node's socket errors.
const DRIVER_CODE = /^(CONNECTION_(CLOSED|ENDED|DESTROYED)|ECONNRESET|EPIPE|ETIMEDOUT)$/;
// SQLSTATE classes 08 (connection exception) and 57P (the server ends the session), and 25P03
// (idle_in_transaction_session_timeout): after these the server closes the connection.
const SERVER_CODE = /^(08...|57P0[1-5]|25P03)$/;

/** Whether an error (or the error it wraps, as Drizzle's `DrizzleQueryError` does) means the connection is gone. */
export function connectionLost(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string' && (DRIVER_CODE.test(code) || SERVER_CODE.test(code))) return true;
  }
  return false;
}
