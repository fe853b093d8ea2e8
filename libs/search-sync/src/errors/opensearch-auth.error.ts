import { SearchSyncError } from './search-sync.error.js';
import { messages } from './search-sync.messages.js';

/**
 * OpenSearch refused the client: its credentials (401), or their permissions (the security plugin's
 * 403). Nothing the library retries can fix it: the client's configuration must change.
 */
export class OpenSearchAuthError extends SearchSyncError {
  constructor(
    /** The node that refused, as its URL without credentials (null when the client did not say). */
    readonly node: string | null,
    readonly status: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(messages.openSearchRefused(node, status, detail), options);
  }
}
