// The public surface of search-sync: what users import. Stages, stores and the reader stay internal.
export { changeCaptureColumns } from './capture/change-capture.columns.js';
export {
  assertChangeCaptureInstalled,
  changeCaptureSql,
  installChangeCapture,
} from './capture/change-capture.migration.js';
export {
  type ChangeCapture,
  exactCapture,
  type TimestampCaptureOptions,
  timestampCapture,
} from './capture/change-capture.mode.js';
export type { SyncDatabase } from './database/database.type.js';
export type { DeadLetter, DeadLetterQuery } from './dead-letters/dead-letter.interface.js';
export * from './errors/index.js';
export type { FamilyDefinition, SearchDocument, VersionDefinition } from './family/family.definition.js';
export { describeSource, type SyncSource } from './family/sync-source.js';
export type { BulkLoaderOptions } from './opensearch/bulk.loader.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './opensearch/retry.policy.js';
export type { ChangePosition } from './pipeline/change-position.js';
export type { Loader } from './pipeline/load.stage.js';
export type {
  ChangeBatch,
  IndexOperation,
  LoadResult,
  LoadStats,
  SourceChange,
  Stage,
} from './pipeline/pipeline.interface.js';
export { installSearchSyncState, searchSyncStateSql } from './state/state.migration.js';
export { DEFAULT_STATE_SCHEMA, defineStateTables, searchSyncState } from './state/state.schema.js';
export { FamilySync } from './sync/family.sync.js';
export type { ReplayReport, RunReport, SyncOptions } from './sync/sync.interface.js';
