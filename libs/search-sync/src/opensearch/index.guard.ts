import type { Client } from '@opensearch-project/opensearch';
import type { SyncDatabase } from '../database/database.type.js';
import { IndexMissingError } from '../errors/index-missing.error.js';
import { IndexNotOwnedError } from '../errors/index-not-owned.error.js';
import type { StateIdentityStore } from '../state/state.identity.js';
import { checkIndexes } from './index.owner.js';

type VersionIndex = { readonly version: number; readonly index: string };

/**
 * Whether a family's indexes are there and this state's, before anything writes to them: OpenSearch
 * would create a missing index again, with dynamic mappings, at the first write, and an index of
 * another state is not ours to change.
 */
export class IndexGuard {
  constructor(
    private readonly family: string,
    private readonly db: SyncDatabase,
    private readonly client: Client,
    private readonly identities: StateIdentityStore,
  ) {}

  /** Which of these versions' indexes are missing, and which are not this state's. */
  async inspect<T extends VersionIndex>(targets: readonly T[]) {
    const identity = await this.identities.current(this.db);
    return { identity, ...(await checkIndexes(this.client, this.family, targets, identity)) };
  }

  /** Refuses work on versions whose index is missing or not this state's, before anything is written. */
  async assertOwned(targets: readonly VersionIndex[]): Promise<void> {
    const { missing, foreign, identity } = await this.inspect(targets);
    if (missing.length > 0) throw new IndexMissingError(this.family, missing);
    if (foreign.length > 0) throw new IndexNotOwnedError(this.family, foreign, identity);
  }
}
