import type { SearchIndexSchedule } from '../decorators/search-index.decorator.js';
import type { AliasStatus } from '../lifecycle/alias.manager.js';
import type { RelatedStatus } from '../related/related.backlog.js';
import type { RunRecord } from '../runs/run.store.js';
import type { HorizonStatus, VersionStatus } from '../sync/sync.interface.js';

export interface FamilyStatus {
  readonly family: string;
  readonly className: string;
  readonly schedule: SearchIndexSchedule | null;
  /** Whether this instance is running the family now. */
  readonly running: boolean;
  readonly versions: readonly VersionStatus[];
  /** Where the alias really points, and whether that is the serving version; null if OpenSearch could not tell. */
  readonly alias: AliasStatus | null;
  /**
   * Why OpenSearch could not tell (it did not answer, or refused the client's credentials), as the
   * library's message naming the node and what to check; null when it answered.
   */
  readonly clusterError: string | null;
  /** The last finished run of any instance (skips left out) and its outcome; `running` says if one goes on here. */
  readonly lastRun: RunRecord | null;
  /** What the exact horizon waits for, when changes wait for it. */
  readonly horizon: HorizonStatus;
  /** Related changes waiting to re-index the family's rows, and the relations it opted out of. */
  readonly related: RelatedStatus;
}
