import type { Client } from '@opensearch-project/opensearch';
import type { HorizonHolder } from '../capture/horizon.inspect.js';
import type { SyncDatabase } from '../database/database.type.js';
import type { BulkLoaderOptions } from '../opensearch/bulk.loader.js';
import type { ChangePosition } from '../pipeline/change-position.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { LoadStats } from '../pipeline/pipeline.interface.js';
import type { VersionState } from '../state/state.schema.js';

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
  /** Time spent in those statements (database time of extraction). */
  readonly rowQueryMs: number;
  readonly operations: number;
  readonly deadLetters: number;
  readonly load: LoadStats;
  readonly durationMs: number;
}

export interface RunOptions {
  /** Stops between batches: batches being loaded finish and commit, no new one starts. */
  readonly signal?: AbortSignal;
  /**
   * Runs inside every checkpoint transaction before anything is written; throwing aborts the commit.
   * The lease's fencing check goes here.
   */
  readonly fence?: (tx: SyncDatabase) => Promise<void>;
  /** Called after each committed batch (progress bars, metrics). */
  readonly onBatch?: (batch: { readonly changes: number; readonly operations: number }) => void;
}

export interface VersionStatus {
  readonly version: number;
  readonly index: string;
  readonly state: VersionState;
  readonly checkpoint: ChangePosition | null;
  /** Changes after the checkpoint, whether or not the horizon lets them be read yet. */
  readonly pendingChanges: number;
  /** Seconds since the checkpoint last moved, while changes are pending; 0 when caught up. */
  readonly lagSeconds: number;
  /** Documents in the index, or null if OpenSearch could not tell. */
  readonly documents: number | null;
  readonly deadLetters: number;
}

export interface HorizonStatus {
  readonly horizon: number;
  /** Committed or not, changes at or past the horizon: they wait until it moves. */
  readonly waitingChanges: number;
  /** The transaction that holds the horizon back, when changes wait for it. */
  readonly holder: HorizonHolder | null;
}

export interface ReplayReport {
  readonly replayed: number;
  readonly resolved: number;
  readonly failed: number;
}
