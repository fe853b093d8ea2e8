import { SearchSyncConfigurationError } from './configuration.error.js';
import { errorMessage } from './error-message.util.js';

/** A declared family that cannot run: names the class and the family; the cause says what to change. */
export class SearchSyncBootstrapError extends SearchSyncConfigurationError {
  constructor(className: string, family: string, cause: unknown) {
    super(`${className} (family "${family}"): ${errorMessage(cause)}`, {
      cause,
    });
  }
}
