import type { VersionState } from '../state/tables/version.table.js';

export interface SearchSyncHealthOptions {
  /** A live or serving version whose checkpoint lags longer than this, in seconds, is down. Default 300. */
  readonly maxLagSeconds?: number;
  /** How long each check (PostgreSQL, OpenSearch, status) may take before it counts as down. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Only the versions of these families are checked for lag. Default every declared family. */
  readonly families?: readonly string[];
}

export type DependencyHealth =
  | { readonly status: 'up' }
  | { readonly status: 'down'; readonly message: string };

/** A live or serving version: what its lag is, and whether that is within the bound. */
export interface VersionHealth {
  readonly family: string;
  readonly version: number;
  readonly index: string;
  readonly state: VersionState;
  readonly lagSeconds: number;
  readonly pendingChanges: number;
  readonly status: 'up' | 'down';
}

/** A family's related changes waiting to re-index its rows: down when the oldest waited past the bound. */
export interface RelatedHealth {
  readonly family: string;
  readonly waiting: number;
  readonly oldestSeconds: number | null;
  readonly status: 'up' | 'down';
}

/** What the health check found: it is healthy when every part is up. */
export interface SearchSyncHealth {
  readonly healthy: boolean;
  readonly postgresql: DependencyHealth;
  readonly opensearch: DependencyHealth;
  /** The live and serving versions with their lag (none when the status could not be read). */
  readonly versions: readonly VersionHealth[];
  /** Per family with tracked relations, its waiting related changes (none when the status could not be read). */
  readonly related: readonly RelatedHealth[];
  /** What is wrong, one message each; a lagging version's names its family and version. */
  readonly problems: readonly string[];
}
