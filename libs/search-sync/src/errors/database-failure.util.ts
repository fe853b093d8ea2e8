import { DrizzleQueryError } from 'drizzle-orm/errors';
import { DatabaseFailedError } from './database-failed.error.js';
import { SearchSyncError } from './search-sync.error.js';

// postgres.js connection errors carry such codes; node's socket errors carry errno names.
const CONNECTION_CODE = /^(CONNECTION_|CONNECT_TIMEOUT|E[A-Z]+$)/;

/** Whether an error came from the database driver: a failed query, a server error, a lost connection. */
function fromDatabase(error: unknown): boolean {
  if (error instanceof DrizzleQueryError) return true;
  if (!(error instanceof Error) || error instanceof SearchSyncError) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  // A server error (postgres.js PostgresError, node-postgres DatabaseError) has a severity and a SQLSTATE.
  if (typeof severity === 'string' && typeof code === 'string') return true;
  // OpenSearch client errors carry `meta` (and the loader turns them into ClusterUnavailableError).
  return typeof code === 'string' && CONNECTION_CODE.test(code) && !('meta' in error);
}

/**
 * The error a family's work fails with: a database failure becomes a `DatabaseFailedError` that names
 * the family and says the checkpoints are safe; anything else is passed on as it is.
 */
export function databaseFailure(family: string, error: unknown): unknown {
  return fromDatabase(error) ? new DatabaseFailedError(family, error) : error;
}
