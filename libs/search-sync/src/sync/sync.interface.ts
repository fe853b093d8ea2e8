import type { Client } from '@opensearch-project/opensearch';
import type { HorizonHolder } from '../capture/horizon.inspect.js';
import type { SyncDatabase } from '../database/database.type.js';
import type { SyncObserver } from '../events/sync-event.interface.js';
import type { BackfillOptions } from '../family/backfill-options.interface.js';
import type { FamilyRefresh } from '../family/family.definition.js';
import type { ChangePosition } from '../keys/change-position.js';
import type { Fence } from '../leases/fence.type.js';
import type { BulkLoaderOptions } from '../opensearch/bulk.loader.js';
import type { PartitionProgress } from '../partitions/partition.progress.js';
import type { PartitionWork } from '../partitions/partition.worker.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { LoadStats } from '../pipeline/pipeline.interface.js';
import type { VersionState } from '../state/tables/version.table.js';

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
  /** Wraps the loader (metrics, rate limits) without forking the library; called once per loader (live, backfill). */
  readonly wrapLoader?: (loader: Loader) => Loader;
  /** Told what the family's work does (bulk requests, retries, batches, runs, leases): metrics, logs. */
  readonly observer?: SyncObserver;
  /**
   * While a backfill streams, how often the caught-up versions are synced again (start to start). Default
   * 500 ms: with the index's 1 s refresh, a write is searchable in them within about two seconds.
   */
  readonly liveIntervalMs?: number;
  /**
   * Indexes this state did not create (another database's, a reinstalled or copied state's, made by
   * hand) that bootstrap may take over; any other is refused. An adopted index is reconciled with the
   * source before it is used, and written above the versions its documents hold. Set it for one
   * deployment (an environment variable, say), then remove it.
   */
  readonly adopt?: readonly string[];
  /** How new versions backfill, for families that do not say (`FamilyDefinition.backfill`). */
  readonly backfill?: BackfillOptions;
  /** When writes become searchable, for families that do not say (`FamilyDefinition.refresh`). */
  readonly refresh?: FamilyRefresh;
}

/** What bootstrap found worth telling: a state copied from another database, an alias moved by hand. */
export interface BootstrapReport {
  readonly notices: readonly string[];
}

/** What reading and loading did, for one cursor group or a whole run. */
export interface SyncTotals {
  readonly horizon: number;
  readonly batches: number;
  readonly changes: number;
  /** SQL statements that read source rows: one per batch, whatever the number of versions. */
  readonly rowQueries: number;
  /** Time spent in those statements, driver decoding included. */
  readonly rowQueryMs: number;
  readonly operations: number;
  readonly deadLetters: number;
  readonly load: LoadStats;
}

/** What one read of a cursor group did within a run. */
export interface GroupReport extends SyncTotals {
  readonly versions: readonly number[];
  /** Where the group read from (its lowest checkpoint) and where it got to. */
  readonly from: ChangePosition | null;
  readonly end: ChangePosition | null;
}

/** What one run of a family did: totals, and each cursor-group read in `groups`. */
export interface RunReport extends SyncTotals {
  readonly family: string;
  readonly versions: readonly number[];
  /** Rows of the family's table touched because a related row they embed changed (then synced). */
  readonly relatedParents: number;
  readonly groups: readonly GroupReport[];
  readonly durationMs: number;
}

export interface RunOptions {
  /** Stops between batches: batches being loaded finish and commit, no new one starts. */
  readonly signal?: AbortSignal;
  /**
   * How long a backfill may stream in this run while caught-up versions exist (it goes on at the next
   * run); without it the run lasts until the backfill reaches the head, the live versions being kept
   * fresh meanwhile.
   */
  readonly backfillBudgetMs?: number;
  /**
   * Runs inside every checkpoint transaction before anything is written; throwing aborts the commit.
   * The lease's fencing check goes here.
   */
  readonly fence?: Fence;
  /**
   * Aborted (with a `LeaseLostError`) once the family's lease is lost: from then on nothing more is
   * sent to OpenSearch, not even the retries of a batch in flight, and the run fails.
   */
  readonly leaseLost?: AbortSignal;
  /** Called after each committed batch (progress bars, metrics). */
  readonly onBatch?: (batch: { readonly changes: number; readonly operations: number }) => void;
  /**
   * Called after each read of a cursor group: the backfill's, and each cycle of the caught-up versions
   * that keeps them fresh meanwhile (metrics per cycle: how far it read, up to which horizon).
   */
  readonly onGroup?: (report: GroupReport) => void;
  /**
   * Who claims backfill partitions in this run and for how long (the runner's instance name and lease
   * TTL), and who is told what each round of partition work did.
   */
  readonly partitions?: Pick<PartitionWork, 'holder' | 'claimTtlMs' | 'onReport'>;
}

/** What whoever starts a run may set; the runner adds the lease's fence. */
export type RunRequestOptions = Pick<RunOptions, 'onBatch' | 'onGroup' | 'signal' | 'backfillBudgetMs'>;

export interface VersionStatus {
  readonly version: number;
  readonly index: string;
  readonly state: VersionState;
  readonly checkpoint: ChangePosition | null;
  /** Changes after the checkpoint, whether or not the horizon lets them be read yet. */
  readonly pendingChanges: number;
  /**
   * Seconds since the checkpoint last moved, while changes are pending; 0 when caught up. For a version
   * still backfilling, seconds since it started (it lacks everything until its backfill ends).
   */
  readonly lagSeconds: number;
  /** Documents in the index, or null if OpenSearch could not tell. */
  readonly documents: number | null;
  /**
   * For a live or serving version, the document count its checkpoint implies and whether `documents`
   * lies in it: a count outside means documents written or deleted behind the library's back (another
   * database's, say); reconcile repairs them. Null while backfilling, or when a run moved the checkpoint
   * while the documents were counted.
   */
  readonly expectedDocuments: DocumentExpectation | null;
  readonly deadLetters: number;
  /** For a version still backfilling: how far it is. */
  readonly backfill: BackfillProgress | null;
}

/** How many documents a caught-up version's checkpoint implies, give or take pending changes and dead letters. */
export interface DocumentExpectation {
  readonly min: number;
  readonly max: number;
  /** Whether the index's count lies within `min`..`max`. */
  readonly matches: boolean;
}

export interface BackfillProgress {
  /**
   * Changes applied. It never goes back in one process: a write to a row the backfill already passed
   * adds one to `total` (the row must be applied again) instead.
   */
  readonly done: number;
  /** `done` plus the changes still pending (rows and tombstones). */
  readonly total: number;
  /** Measured in this process while it backfills; null when no backfill runs here. */
  readonly rowsPerSecond: number | null;
  readonly etaSeconds: number | null;
  /**
   * A partitioned backfill before it merges: partitions done, claimed and waiting, by instance, with
   * rows per second and ETA (all instances together). Null for one stream, and once the partitions
   * merged (the stream from the watermark then catches up, counted by `done` and `total`).
   */
  readonly partitions: PartitionProgress | null;
}

export interface HorizonStatus {
  /** The oldest transaction still open: changes at or past it may still commit. */
  readonly horizon: number;
  /**
   * Committed changes of transactions newer than the horizon: runs read them without waiting for the
   * open one (its own changes are read once it commits).
   */
  readonly changesPastHorizon: number;
  /** The oldest open transaction that wrote, if any (exact capture). */
  readonly holder: HorizonHolder | null;
}

export interface ReplayReport {
  readonly replayed: number;
  readonly resolved: number;
  readonly failed: number;
}
