import type { Client } from '@opensearch-project/opensearch';
import type { SyncDatabase } from '../database/database.type.js';
import type { BulkLoaderOptions } from '../opensearch/bulk.loader.js';
import type { ChangePosition } from '../pipeline/change-position.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { LoadStats } from '../pipeline/pipeline.interface.js';

export interface SyncOptions {
  readonly db: SyncDatabase;
  readonly client: Client;
  /** Schema of the library's tables. Default `search_sync`. */
  readonly stateSchema?: string;
  /** Source rows per batch (one query each). Default 1000. */
  readonly batchSize?: number;
  /** Batches being loaded while the next one is read. Default 2. */
  readonly batchesInFlight?: number;
  readonly bulk?: Partial<BulkLoaderOptions>;
  /** Wraps the loader (metrics, rate limits) without forking the library. */
  readonly wrapLoader?: (loader: Loader) => Loader;
}

/** What one run of a family did. */
export interface RunReport {
  readonly family: string;
  readonly versions: readonly number[];
  readonly from: ChangePosition | null;
  readonly horizon: number;
  readonly end: ChangePosition | null;
  readonly batches: number;
  readonly changes: number;
  /** SQL statements that read source rows: one per batch, whatever the number of versions. */
  readonly rowQueries: number;
  readonly operations: number;
  readonly deadLetters: number;
  readonly load: LoadStats;
  readonly durationMs: number;
}

export interface ReplayReport {
  readonly replayed: number;
  readonly resolved: number;
  readonly failed: number;
}
