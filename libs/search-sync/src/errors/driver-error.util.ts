import { DrizzleQueryError } from 'drizzle-orm/errors';
import { SearchSyncError } from './search-sync.error.js';

// postgres.js connection errors carry such codes; node's socket errors carry errno names.
const CONNECTION_CODE = /^(CONNECTION_|CONNECT_TIMEOUT|E[A-Z]+$)/;

/**
 * SQLSTATEs and socket errors of a connection that could not be made at all: the server is not there,
 * or refuses the role, the password or the database (classes 08 and 28, 3D000, 53300, 57P03). Their
 * fix is in the connection settings, not in the work.
 */
const NOT_CONNECTED =
  /^(08|28|3D000$|53300$|57P03$|ECONNREFUSED$|ENOTFOUND$|EAI_AGAIN$|EHOSTUNREACH$|ENETUNREACH$|CONNECT_TIMEOUT$)/;

/**
 * What the driver said under Drizzle's wrapper: Drizzle 0.45 throws `DrizzleQueryError` ("Failed query:
 * <the SQL> params: …") with the driver's error (a refused connection, a server error) as its cause.
 */
export function driverError(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error;
}

/** Whether the database could not be connected to at all (see NOT_CONNECTED). */
export function notConnected(error: unknown): boolean {
  const { code } = (driverError(error) ?? {}) as { code?: unknown };
  return typeof code === 'string' && NOT_CONNECTED.test(code);
}

/** Whether an error came from the database driver: a failed query, a server error, a lost connection. */
export function fromDatabase(error: unknown): boolean {
  if (error instanceof DrizzleQueryError) return true;
  if (!(error instanceof Error) || error instanceof SearchSyncError) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // A server error (postgres.js PostgresError, node-postgres DatabaseError) has a severity and a SQLSTATE.
  if (typeof severity === 'string' && typeof code === 'string') return true;
  // OpenSearch client errors carry `meta` (and the loader turns them into ClusterUnavailableError).
  return typeof code === 'string' && CONNECTION_CODE.test(code) && !('meta' in error);
}
