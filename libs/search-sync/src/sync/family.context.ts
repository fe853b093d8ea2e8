import type { Client } from '@opensearch-project/opensearch';
import { captureSource } from '../capture/captured.source.js';
import { exactCapture } from '../capture/change-capture.mode.js';
import { CheckpointStore } from '../checkpoints/checkpoint.store.js';
import { DeadLetterStore } from '../dead-letters/dead-letter.store.js';
import { safeObserver } from '../events/sync-event.hub.js';
import { formerDefinitionHash, versionDefinitionHash } from '../family/definition.hash.js';
import type { FamilyDefinition } from '../family/family.definition.js';
import { versionIndexName } from '../family/family.validate.js';
import { describeSource } from '../family/sync-source.js';
import { BulkLoader, DEFAULT_BULK_OPTIONS } from '../opensearch/bulk.loader.js';
import { IndexGuard } from '../opensearch/index.guard.js';
import type { PartitioningOptions } from '../partitions/partition.cutter.js';
import type { PartitionedFamily } from '../partitions/partitioned-family.interface.js';
import { resolvePartitioning } from '../partitions/partitioning.resolve.js';
import { createPlanner } from '../pipeline/family.planner.js';
import type { Loader } from '../pipeline/load.stage.js';
import type { VersionTarget } from '../pipeline/pipeline.interface.js';
import { type FamilyRelations, familyRelations } from '../related/related.paths.js';
import { StateIdentityStore } from '../state/state.identity.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import { VersionBases } from '../versions/version.base.js';
import { VersionStore } from '../versions/version.store.js';
import type { SyncOptions } from './sync.interface.js';

/** A declared version as the family's roles see it: the pipeline's target and its index definition. */
export type FamilyTarget = Omit<VersionTarget<unknown>, 'checkpoint'> & {
  readonly index: string;
  readonly mappings?: Record<string, unknown>;
  readonly settings?: Record<string, unknown>;
  readonly definitionHash: string;
  readonly formerDefinitionHash: string;
};

/**
 * What the roles of one family share (bootstrap, the run cycle, the batch committer, lifecycle,
 * reconcile, replay, status, partitioned backfill), built once by `FamilySync` from its definition and
 * options. What partitioned backfill works with is declared by partitions/ (`PartitionedFamily`).
 */
export interface FamilyContext extends PartitionedFamily {
  readonly definition: FamilyDefinition;
  readonly options: SyncOptions;
  readonly client: Client;
  /** The relations whose changes re-index the family's rows (derived from its `with`). */
  readonly relations: FamilyRelations;
  /** The declared versions, lowest number first. */
  readonly targets: readonly FamilyTarget[];
  readonly identities: StateIdentityStore;
  /** Each version's external-version base (adopted indexes are written above theirs). */
  readonly bases: VersionBases;
  /** The loader of runs, replay and reconcile. */
  readonly loader: Loader;
  /**
   * The loader of a backfill beside live versions: bulk slots of its own, one fewer than a run, so the
   * live versions' small batches neither queue behind its requests here nor find every write thread of
   * the cluster busy with them, and the serving version stays fresh while a new one streams.
   */
  readonly backfillLoader: Loader;
  /** How new versions' backfills are partitioned; null for one stream. */
  readonly partitioning: PartitioningOptions | null;
}

/** Wires one family: its source, stores, loaders and planner, on the user's database and client. */
export function createFamilyContext(definition: FamilyDefinition, options: SyncOptions): FamilyContext {
  const { db, client } = options;
  const { name } = definition;
  const stateSchema = options.stateSchema ?? DEFAULT_STATE_SCHEMA;
  const source = describeSource(name, definition.table, definition.key);
  const captured = captureSource(db, {
    family: name,
    source,
    capture: definition.capture ?? exactCapture(),
    stateSchema,
    with: definition.with,
    softDelete: definition.softDelete,
  });
  const observe = safeObserver(options.observer);
  const bases = new VersionBases();
  const loader = (bulkOptions = options.bulk, beforeSend?: () => void): Loader => {
    const bulk = new BulkLoader(
      client,
      bulkOptions,
      undefined,
      observe && ((e) => observe({ ...e, family: name })),
      beforeSend,
    );
    const load = bases.wrap((operations, halt) => bulk.load(operations, halt));
    return options.wrapLoader ? options.wrapLoader(load) : load;
  };
  const concurrency = options.bulk?.concurrency ?? DEFAULT_BULK_OPTIONS.concurrency;
  const backfillBulk = { ...options.bulk, concurrency: Math.max(1, concurrency - 1) };
  const identities = new StateIdentityStore(stateSchema);
  return {
    name,
    definition,
    options,
    db,
    client,
    stateSchema,
    captured,
    relations: familyRelations(definition, db),
    targets: [...definition.versions]
      .sort((a, b) => a.version - b.version)
      .map((v) => ({
        version: v.version,
        index: v.index ?? versionIndexName(name, v.version),
        filter: v.filter,
        transform: v.transform,
        mappings: v.mappings,
        settings: v.settings,
        definitionHash: versionDefinitionHash(v),
        formerDefinitionHash: formerDefinitionHash(v),
      })),
    checkpoints: new CheckpointStore(stateSchema),
    deadLetters: new DeadLetterStore(stateSchema),
    versions: new VersionStore(stateSchema),
    identities,
    bases,
    loader: loader(),
    backfillLoader: loader(backfillBulk),
    partitionLoader: (beforeSend) => loader(backfillBulk, beforeSend),
    plan: createPlanner({
      keys: source.keys,
      normalise: definition.normalise ?? ((row) => row),
      stages: definition.stages ?? [],
    }),
    indexes: new IndexGuard(name, db, client, identities),
    observe,
    partitioning: resolvePartitioning(
      name,
      (definition.capture ?? exactCapture()).mode === 'exact',
      definition.backfill,
      options.backfill,
    ),
  };
}
