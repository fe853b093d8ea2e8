import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/** A family or version definition that cannot run; the message names the family and version. */
export class SearchSyncConfigurationError extends SearchSyncError {
  static family(family: string, problem: string): SearchSyncConfigurationError {
    return new SearchSyncConfigurationError(messages.invalidFamily(family, problem));
  }

  static version(family: string, version: number, problem: string): SearchSyncConfigurationError {
    return new SearchSyncConfigurationError(messages.invalidVersion(family, version, problem));
  }
}
