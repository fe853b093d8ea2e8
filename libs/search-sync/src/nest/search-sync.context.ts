import { hostname } from 'node:os';
import { Client } from '@opensearch-project/opensearch';
import type { SyncDatabase } from '../database/database.type.js';
import { SyncEventHub } from '../events/sync-event.hub.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import type { SyncOptions } from '../sync/sync.interface.js';
import type { SearchSyncModuleOptions } from './search-sync-options.interface.js';

/** How the command line boots an application for one command (see SEARCH_SYNC_COMMAND_MODE). */
export interface SearchSyncCommandMode {
  /** Whether the families are bootstrapped (versions registered, indexes created) as the application would. */
  readonly prepare: boolean;
}

/** The module options resolved once: the client to use, whether the module owns it, the defaults. */
export interface SearchSyncContext {
  readonly db: SyncDatabase;
  readonly client: Client;
  readonly ownsClient: boolean;
  readonly sync: SyncOptions;
  readonly stateSchema: string;
  readonly holder: string;
  readonly leaseTtlMs: number;
  readonly runSchedules: boolean;
  readonly wakeOnCommit: boolean;
  /**
   * Whether bootstrap checks and registers the families' versions (and creates their indexes). Off only
   * for the command line's read-only commands (status, dead letters, plan, the capture migration).
   */
  readonly prepare: boolean;
  /** Where the families' work reports what it does; `SearchSyncService.observe()` subscribes to it. */
  readonly events: SyncEventHub;
}

export function createSearchSyncContext(
  options: SearchSyncModuleOptions,
  command?: SearchSyncCommandMode,
): SearchSyncContext {
  const ownsClient = !(options.opensearch instanceof Client);
  const client = options.opensearch instanceof Client ? options.opensearch : new Client(options.opensearch);
  const stateSchema = options.stateSchema ?? DEFAULT_STATE_SCHEMA;
  const events = new SyncEventHub();
  return {
    db: options.database,
    client,
    ownsClient,
    stateSchema,
    sync: {
      db: options.database,
      client,
      stateSchema,
      batchSize: options.batchSize,
      batchesInFlight: options.batchesInFlight,
      bulk: options.bulk,
      observer: events.emit,
      adopt: options.adopt,
      backfill: options.backfill,
      refresh: options.refresh,
    },
    holder: options.instanceName ?? `${hostname()}:${process.pid}`,
    leaseTtlMs: options.leaseTtlMs ?? 30_000,
    // One command of the command line runs nothing on its own: no schedule, no wake on commit.
    runSchedules: command ? false : (options.runSchedules ?? true),
    wakeOnCommit: command ? false : (options.wakeOnCommit ?? true),
    prepare: command?.prepare ?? true,
    events,
  };
}
