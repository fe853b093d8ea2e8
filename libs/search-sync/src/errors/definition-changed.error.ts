import { SearchSyncConfigurationError } from './configuration.error.js';
import { messages } from './search-sync.messages.js';

/** A version's definition differs from the one stored when it was created: bump the version. */
export class DefinitionChangedError extends SearchSyncConfigurationError {
  /** `documentId`: a sampled row the version now makes another document of, though the row is unchanged. */
  constructor(family: string, version: number, documentId?: string) {
    super(
      documentId === undefined
        ? messages.definitionChanged(family, version)
        : messages.behaviourChanged(family, version, documentId),
    );
  }
}
