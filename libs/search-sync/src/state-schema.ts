// The `search-sync/state-schema` entry: the library's own tables in their default schema (`search_sync`),
// for drizzle-kit. A project lists them so they appear in its generated migrations like its own tables:
// a schema file of the project re-exports this entry (`export * from 'search-sync/state-schema'`) and
// drizzle.config.ts names that file, with `schemaFilter` including 'search_sync'. Nothing here runs SQL.
export {
  searchSyncBackfillPartitions,
  searchSyncBackfillPlans,
  searchSyncCheckpoints,
  searchSyncDeadLetters,
  searchSyncIdentity,
  searchSyncLeases,
  searchSyncRelatedChanges,
  searchSyncRowVersionSeq,
  searchSyncRuns,
  searchSyncSchema,
  searchSyncVersions,
} from './state/state.schema.js';
