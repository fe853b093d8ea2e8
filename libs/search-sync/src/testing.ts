// The `search-sync/testing` entry: what the project's own end-to-end and property tests need beyond the
// public surface, to read or stage the library's state directly and to check its key order against
// PostgreSQL's. Not part of the stable API: it follows the internals and may change in any release.
export { CheckpointStore } from './checkpoints/checkpoint.store.js';
export { DeadLetterStore } from './dead-letters/dead-letter.store.js';
export { formerDefinitionHash } from './family/definition.hash.js';
export { comparePositions } from './keys/change-position.js';
export { keyFieldValue } from './keys/key.field.js';
export { compareKeys } from './keys/key.order.js';
export { LeaseStore } from './leases/lease.store.js';
export { BackfillPlanStore } from './partitions/backfill-plan.store.js';
export { PartitionStore } from './partitions/partition.store.js';
export { RunStore } from './runs/run.store.js';
