import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A PGlite database served over the PostgreSQL wire protocol on a localhost port. */
export interface ServedPglite {
  /** For postgres.js; PGlite has one database, `postgres`, and takes any user without a password. */
  readonly url: string;
  /** Stops the server, then closes PGlite so a data directory is left consistent. */
  close(): Promise<void>;
}

/**
 * Serves PGlite (`dataDir` a directory, created if missing, or `memory://`) on a free port, to one
 * connection at a time. pglite-socket can multiplex more onto PGlite's single backend, but it queues
 * protocol messages one by one, so the Parse/Bind/Execute of two clients can interleave outside explicit
 * transactions; and a connection past the limit is answered with plain text that postgres.js waits on
 * forever. Clients must therefore use `max: 1` and take turns.
 */
export async function servePglite(dataDir: string): Promise<ServedPglite> {
  const db = await PGlite.create(dataDir).catch((error: unknown) => {
    throw new Error(`PGlite could not open ${dataDir}: ${describe(error)}`);
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw new Error(`pglite-socket could not listen on 127.0.0.1: ${describe(error)}`);
  }
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

/** PGlite's file system fails with Emscripten's ErrnoError, which is no Error and prints as [object Object]. */
const describe = (error: unknown) => (error instanceof Error ? error.message : JSON.stringify(error));
