import { CaptureNotInstalledError } from './capture-not-installed.error.js';
import { messages } from './search-sync.messages.js';

/** A relation the family tracks has no related-change trigger on its table (a capture kind, for callers). */
export class RelatedCaptureNotInstalledError extends CaptureNotInstalledError {
  constructor(family: string, relation: string, table: string) {
    super(table, `the related-change trigger of relation "${relation}"`);
    this.message = messages.relatedCaptureNotInstalled(family, relation, table);
  }
}
