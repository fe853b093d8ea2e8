import type { SyncTransaction, TransactionConfig } from './database.type.js';

/** A LISTEN that goes on until it is stopped. */
export interface Listening {
  /** Stops listening, and closes the connection the library opened for it. */
  stop(): Promise<void>;
}

/**
 * What differs between the Drizzle drivers: how the library opens its own transactions, and how it
 * listens for notifications. One implementation per driver, chosen once per database.
 */
export interface DatabaseDriver {
  /** `db.transaction(work, config)`, made safe for the driver: nothing escapes, no connection leaks. */
  transaction<T>(work: (tx: SyncTransaction) => Promise<T>, config?: TransactionConfig): Promise<T>;
  /**
   * Listens on `channel` on a connection kept (and reconnected) for it: `onNotify` gets each payload,
   * `onListen` runs each time listening (re)starts. Rejects when the first attempt fails; undefined when
   * the driver cannot listen.
   */
  readonly listen?: (
    channel: string,
    onNotify: (payload: string) => void,
    onListen: () => void,
  ) => Promise<Listening>;
}
