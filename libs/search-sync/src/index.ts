// The public surface of search-sync: what users import. Stages, stores and the reader stay internal.
// Two more entries: `search-sync/state-schema` (the state tables, for drizzle-kit) and
// `search-sync/testing` (the stores and key order, for the project's own tests; not a stable API).
export { changeCaptureColumns } from './capture/change-capture.columns.js';
export {
  assertChangeCaptureInstalled,
  changeCaptureSql,
  installChangeCapture,
} from './capture/change-capture.migration.js';
export {
  exactCapture,
  type TimestampCaptureOptions,
  timestampCapture,
} from './capture/change-capture.mode.js';
export type { HorizonHolder } from './capture/horizon.inspect.js';
export type { SyncDatabase } from './database/database.type.js';
export type { DeadLetter, DeadLetterQuery } from './dead-letters/dead-letter.interface.js';
export * from './decorators/index.js';
export * from './errors/index.js';
export type {
  BatchEvent,
  BulkPushbackEvent,
  BulkRequestEvent,
  BulkRetryEvent,
  BulkThrottleEvent,
  LeaseEvent,
  OperationCount,
  OperationResult,
  OperationsEvent,
  PartitionEvent,
  RunEvent,
  SyncEvent,
  SyncObserver,
} from './events/sync-event.interface.js';
export type { BackfillOptions } from './family/backfill-options.interface.js';
export type { ChangeCapture } from './family/change-capture.interface.js';
export type {
  FamilyDefinition,
  FamilyRefresh,
  SearchDocument,
  VersionDefinition,
} from './family/family.definition.js';
export type { SourceRow } from './family/source-row.type.js';
export type { ChangeBatch, SourceChange, Stage } from './family/stage.interface.js';
export { describeSource, type SyncSource } from './family/sync-source.js';
export type { ChangePosition } from './keys/change-position.js';
export { documentId, parseDocumentId } from './keys/document-id.js';
export type { KeyColumn, KeyKind, KeyValue } from './keys/key.types.js';
export type { AliasStatus } from './lifecycle/alias.manager.js';
export { SearchSyncModule } from './nest/search-sync.module.js';
export {
  ASYNC_OPTIONS_TYPE,
  OPTIONS_TYPE,
  SEARCH_SYNC_MODULE_OPTIONS,
} from './nest/search-sync.module-definition.js';
export { SearchSyncService } from './nest/search-sync.service.js';
export type { SearchSyncModuleOptions } from './nest/search-sync-options.interface.js';
export type { FamilyStatus } from './nest/search-sync-status.interface.js';
export type { BulkLoaderOptions } from './opensearch/bulk.loader.js';
export { DEFAULT_THROTTLE_OPTIONS, type ThrottleOptions } from './opensearch/bulk.throttle.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './opensearch/retry.policy.js';
export type { PartitionInstanceProgress, PartitionProgress } from './partitions/partition.progress.js';
export type { PartitionWork } from './partitions/partition.worker.js';
export type { PartitionWorkReport, PartitionWorkSeconds } from './partitions/partition-work.report.js';
export type { Loader } from './pipeline/load.stage.js';
export type { IndexOperation, LoadResult, LoadStats } from './pipeline/pipeline.interface.js';
export type {
  BackfillEstimate,
  DefinitionChange,
  PlannedRejection,
  PlannedSample,
  PlannedSide,
  VersionPlanReport,
} from './plan/plan.interface.js';
export type { PlanOptions } from './plan/version.plan.js';
export type { RangeDifference, ReconcileOptions, ReconcileReport } from './reconcile/reconcile.interface.js';
export type { RelatedStatus } from './related/related.backlog.js';
export {
  installRelatedCapture,
  type RelatedCaptureOptions,
  relatedChangeCaptureSql,
} from './related/related-capture.migration.js';
export type { RunRecord } from './runs/run.store.js';
export { installSearchSyncState, searchSyncStateSql } from './state/state.migration.js';
export { DEFAULT_STATE_SCHEMA, defineStateTables, searchSyncState } from './state/state.schema.js';
export type { RunOutcome } from './state/tables/run.table.js';
export type { VersionState } from './state/tables/version.table.js';
export { FamilyRunner, type SyncResult } from './sync/family.runner.js';
export { FamilySync } from './sync/family.sync.js';
export type {
  BackfillProgress,
  BootstrapReport,
  DocumentExpectation,
  GroupReport,
  HorizonStatus,
  ReplayReport,
  RunOptions,
  RunReport,
  RunRequestOptions,
  SyncOptions,
  VersionStatus,
} from './sync/sync.interface.js';
