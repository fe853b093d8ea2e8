import { pgSchema } from 'drizzle-orm/pg-core';
import { assertSqlIdentifier } from '../utils/identifier.util.js';
import { backfillPartitionTable } from './tables/backfill-partition.table.js';
import { backfillPlanTable } from './tables/backfill-plan.table.js';
import { checkpointTable } from './tables/checkpoint.table.js';
import { deadLetterTable } from './tables/dead-letter.table.js';
import { identityTable } from './tables/identity.table.js';
import { leaseTable } from './tables/lease.table.js';
import { relatedChangeTable } from './tables/related-change.table.js';
import { runTable } from './tables/run.table.js';
import { versionTable } from './tables/version.table.js';

export const DEFAULT_STATE_SCHEMA = 'search_sync';

/**
 * The library's own tables, in a schema the user chooses. drizzle-kit reads the default instance
 * (`searchSyncState`) so the tables appear in the user's generated migrations like their own.
 */
export function defineStateTables(schemaName: string = DEFAULT_STATE_SCHEMA) {
  const schema = pgSchema(assertSqlIdentifier(schemaName, 'State schema'));
  return {
    schema,
    /** Row versions of every synced table: one sequence, so versions also order writes across tables. */
    rowVersionSeq: schema.sequence('row_version_seq'),
    checkpoints: checkpointTable(schema),
    deadLetters: deadLetterTable(schema),
    versions: versionTable(schema),
    leases: leaseTable(schema),
    runs: runTable(schema),
    relatedChanges: relatedChangeTable(schema),
    identity: identityTable(schema),
    backfillPlans: backfillPlanTable(schema),
    backfillPartitions: backfillPartitionTable(schema),
  };
}

export type StateTables = ReturnType<typeof defineStateTables>;

const cache = new Map<string, StateTables>();

/** One set of table objects per schema name, so stores do not rebuild them per call. */
export function stateTables(schemaName: string = DEFAULT_STATE_SCHEMA): StateTables {
  let tables = cache.get(schemaName);
  if (!tables) {
    tables = defineStateTables(schemaName);
    cache.set(schemaName, tables);
  }
  return tables;
}

export const searchSyncState = stateTables();

// Top-level exports of the default instance: drizzle-kit only sees tables exported by name.
export const searchSyncSchema = searchSyncState.schema;
export const searchSyncRowVersionSeq = searchSyncState.rowVersionSeq;
export const searchSyncCheckpoints = searchSyncState.checkpoints;
export const searchSyncDeadLetters = searchSyncState.deadLetters;
export const searchSyncVersions = searchSyncState.versions;
export const searchSyncRelatedChanges = searchSyncState.relatedChanges;
export const searchSyncLeases = searchSyncState.leases;
export const searchSyncRuns = searchSyncState.runs;
export const searchSyncIdentity = searchSyncState.identity;
export const searchSyncBackfillPlans = searchSyncState.backfillPlans;
export const searchSyncBackfillPartitions = searchSyncState.backfillPartitions;
