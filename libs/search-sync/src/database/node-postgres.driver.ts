import { type NodePgClient, type NodePgDatabase, NodePgSession } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import { messages } from '../errors/search-sync.messages.js';
import type { SyncDatabase } from './database.type.js';
import type { DatabaseDriver } from './database-driver.interface.js';
import { relationalSchema } from './drizzle-schema.js';
import { NodePgListener } from './node-postgres.listener.js';

/**
 * node-postgres: a `drizzle-orm/node-postgres` database over a `pg.Pool`, which the application owns.
 *
 * Transactions run on a client the library checks out of that pool itself, not through Drizzle's
 * `NodePgSession.transaction`, which (0.45.4) lends a pool client with no 'error' listener on it (pg-pool
 * takes its own off while a client is lent): a connection lost meanwhile made Node throw "Unhandled
 * 'error' event" into the application. It also sends BEGIN outside its try/finally, so a failed BEGIN
 * never gave its client back and `pool.end()` never finished. Here the client has a listener for as long
 * as it is lent, and goes back in any case, closed by the pool when it may be unusable. Drizzle still
 * runs the transaction (BEGIN, COMMIT, ROLLBACK, savepoints) in a session bound to that client, with the
 * database's relational schema, so `tx.query` works as on the application's database; the database's
 * own logger and casing are not carried over (Drizzle keeps them in private fields).
 *
 * LISTEN runs on one `pg.Client` of its own, made from the pool's connection options and closed on stop.
 */
export function nodePostgresDriver(db: SyncDatabase): DatabaseDriver {
  const pool = (db as NodePgDatabase & { $client: NodePgClient }).$client;
  // One client cannot run the library's transactions beside its reads (they would share its session).
  if (!(pool instanceof pg.Pool)) throw new SearchSyncConfigurationError(messages.nodePostgresNeedsPool());
  const dialect = new PgDialect();
  const schema = relationalSchema(db);
  return {
    async transaction(work, config) {
      const client = await pool.connect();
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken ??= error;
      };
      client.on('error', onError);
      let failedWork: { error: unknown } | undefined;
      try {
        return await new NodePgSession(client, dialect, schema).transaction(async (tx) => {
          try {
            return await work(tx);
          } catch (error) {
            failedWork = { error };
            throw error;
          }
        }, config);
      } catch (error) {
        // Not the work's own failure: BEGIN, COMMIT or ROLLBACK failed, and the client's state is unknown.
        if (error !== failedWork?.error) broken ??= error instanceof Error ? error : new Error(String(error));
        // After failed work, Drizzle answers a failed ROLLBACK's error: the work's says what happened.
        throw failedWork ? failedWork.error : error;
      } finally {
        client.off('error', onError);
        // Given an error, the pool closes the client instead of lending it again.
        client.release(broken);
      }
    },
    // The pool's own options object: it holds the password as a hidden property, which a copy would lose.
    listen: (channel, onNotify, onListen) =>
      NodePgListener.start(() => new pg.Client(pool.options), channel, onNotify, onListen),
  };
}
