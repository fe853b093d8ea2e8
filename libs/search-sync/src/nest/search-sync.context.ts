import { hostname } from 'node:os';
import { Client } from '@opensearch-project/opensearch';
import type { SyncDatabase } from '../database/database.type.js';
import { SyncEventHub } from '../events/sync-event.hub.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import type { SyncOptions } from '../sync/sync.interface.js';
import type { SearchSyncModuleOptions } from './search-sync-options.interface.js';

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
  /** Where the families' work reports what it does; `SearchSyncService.observe()` subscribes to it. */
  readonly events: SyncEventHub;
}

export function createSearchSyncContext(options: SearchSyncModuleOptions): SearchSyncContext {
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
    },
    holder: options.instanceName ?? `${hostname()}:${process.pid}`,
    leaseTtlMs: options.leaseTtlMs ?? 30_000,
    runSchedules: options.runSchedules ?? true,
    wakeOnCommit: options.wakeOnCommit ?? true,
    events,
  };
}
