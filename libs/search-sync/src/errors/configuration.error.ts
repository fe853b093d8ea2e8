import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** A family, version or loader option that cannot run; the message names what to change. */
export class SearchSyncConfigurationError extends SearchSyncError {
  static family(family: string, problem: string): SearchSyncConfigurationError {
    return new SearchSyncConfigurationError(messages.invalidFamily(family, problem));
  }

  static version(family: string, version: number, problem: string): SearchSyncConfigurationError {
    return new SearchSyncConfigurationError(messages.invalidVersion(family, version, problem));
  }

  static bulk(problem: string): SearchSyncConfigurationError {
    return new SearchSyncConfigurationError(messages.invalidBulkOptions(problem));
  }
}
