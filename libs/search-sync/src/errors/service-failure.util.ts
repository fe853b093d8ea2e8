import { databaseFailure } from './database-failure.util.js';
import { openSearchFailure } from './opensearch-failure.util.js';

/**
 * What a failure of either service becomes before anyone reads it (a caller, the run log, the command
 * line): the library's error that names PostgreSQL or OpenSearch, what it said and what to check, and,
 * under a family's work, the family. Library errors and anything else pass through unchanged.
 */
export function serviceFailure(family: string | null, error: unknown): unknown {
  return databaseFailure(family, openSearchFailure(error));
}
