import { SearchSyncConfigurationError } from './configuration.error.js';
import { messages } from './search-sync.messages.js';

/** A version's definition differs from the one stored when it was created: bump the version. */
export class DefinitionChangedError extends SearchSyncConfigurationError {
  constructor(family: string, version: number) {
    super(messages.definitionChanged(family, version));
  }
}
