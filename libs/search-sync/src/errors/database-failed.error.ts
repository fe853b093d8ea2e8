import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * The database failed under a family's work (connection closed or refused, backend terminated, a
 * statement refused): the work stopped, and no checkpoint moved past what was indexed.
 */
export class DatabaseFailedError extends SearchSyncError {
  constructor(family: string, cause: unknown) {
    super(messages.databaseFailed(family, describe(cause)), { cause });
  }
}

function describe(error: unknown): string {
  const root = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return root instanceof Error ? root.message : String(error);
}
