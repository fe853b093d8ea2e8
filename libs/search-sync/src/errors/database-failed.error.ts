import { driverError, notConnected } from './driver-error.util.js';
import { errorMessage } from './error-message.util.js';
import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * PostgreSQL failed: it could not be connected to (the message says which settings to check), or failed
 * under a family's work (connection closed, backend terminated, a statement refused): the work stopped,
 * and no checkpoint moved past what was indexed.
 */
export class DatabaseFailedError extends SearchSyncError {
  constructor(family: string | null, cause: unknown) {
    super(messages.databaseFailed(family, errorMessage(driverError(cause)), notConnected(cause)), { cause });
  }
}
