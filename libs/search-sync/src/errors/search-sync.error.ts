/** Base class of every error the library throws, so callers can catch them as one family. */
export class SearchSyncError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
