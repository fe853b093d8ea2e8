import { DatabaseFailedError } from './database-failed.error.js';
import { fromDatabase } from './driver-error.util.js';

/**
 * What a database failure becomes: a `DatabaseFailedError` that names PostgreSQL and the driver's cause,
 * and, under a family's work, the family (its checkpoints are safe); anything else is passed on as it is.
 */
export function databaseFailure(family: string | null, error: unknown): unknown {
  return fromDatabase(error) ? new DatabaseFailedError(family, error) : error;
}
