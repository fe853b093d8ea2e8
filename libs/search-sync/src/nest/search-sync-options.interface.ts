import type { Client, ClientOptions } from '@opensearch-project/opensearch';
import type { SyncDatabase } from '../database/database.type.js';
import type { BackfillOptions } from '../family/backfill-options.interface.js';
import type { FamilyRefresh } from '../family/family.definition.js';
import type { BulkLoaderOptions } from '../opensearch/bulk.loader.js';

export interface SearchSyncModuleOptions {
  /** The application's Drizzle database (any Drizzle PostgreSQL database); never closed by the module. */
  readonly database: SyncDatabase;
  /** An OpenSearch client (never closed by the module), or the options to build one (closed at shutdown). */
  readonly opensearch: Client | ClientOptions;
  /** Schema of the library's tables. Default `search_sync`. */
  readonly stateSchema?: string;
  /** Source rows per batch. Default 1000. */
  readonly batchSize?: number;
  /** Batches being loaded while the next is read. Default 2. */
  readonly batchesInFlight?: number;
  /**
   * Bulk request bounds, requests in flight, retry policy and how pushback (429) slows the loader down
   * (see docs/bulk-loading.md). While a backfill streams beside live versions it has `concurrency - 1`
   * requests of its own (at least 1) besides the live versions' own.
   */
  readonly bulk?: Partial<BulkLoaderOptions>;
  /** Whether this instance runs the families' schedules (false on API-only instances). Default true. */
  readonly runSchedules?: boolean;
  /**
   * Whether families run as soon as a change to their table commits (the capture trigger's
   * `pg_notify`, heard on one extra connection of the application's postgres.js client). Each family
   * may say otherwise in `@SearchIndex`. Default true; needs `runSchedules`.
   */
  readonly wakeOnCommit?: boolean;
  /** This instance's name in leases and the run log. Default `<hostname>:<pid>`. */
  readonly instanceName?: string;
  /** How long a lease lasts without renewal (it is renewed at every batch). Default 30 s. */
  readonly leaseTtlMs?: number;
  /**
   * Index names this state may take over at bootstrap although it did not create them (another
   * database's, a reinstalled or copied state's, made by hand); any other such index fails bootstrap with
   * IndexNotOwnedError. An adopted index is reconciled with the source before it is used. For one
   * deployment: e.g. `adopt: process.env.SEARCH_SYNC_ADOPT?.split(',')`.
   */
  readonly adopt?: readonly string[];
  /**
   * How new versions backfill, for families whose `@SearchIndex` does not say. `{ partitioned: true,
   * rowsPerPartition }` cuts a new version's backfill into key ranges that every instance claims through
   * Postgres (claims last `leaseTtlMs`); by default one stream in the lease holder reads it all.
   */
  readonly backfill?: BackfillOptions;
  /**
   * When what a run syncs becomes searchable, for families whose `@SearchIndex` does not say:
   * `'interval'` (default) at the index's periodic refresh, `'after-run'` refreshed by the run itself.
   */
  readonly refresh?: FamilyRefresh;
}
