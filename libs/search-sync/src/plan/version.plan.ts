import { captureSource } from '../capture/captured.source.js';
import { exactCapture } from '../capture/change-capture.mode.js';
import { SourceRows } from '../capture/source.rows.js';
import { LifecycleRefusedError } from '../errors/lifecycle.error.js';
import { UnknownVersionError } from '../errors/unknown-version.error.js';
import type { FamilyDefinition, VersionDefinition } from '../family/family.definition.js';
import { versionIndexName } from '../family/family.validate.js';
import type { SourceChange } from '../family/stage.interface.js';
import { describeSource } from '../family/sync-source.js';
import { keyFieldType } from '../keys/key.field.js';
import { createPlanner } from '../pipeline/family.planner.js';
import type { PlannedBatch } from '../pipeline/pipeline.interface.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import type { SyncOptions } from '../sync/sync.interface.js';
import { VersionStore } from '../versions/version.store.js';
import { diffMappings, diffSettings } from './definition.diff.js';
import type { PlannedRejection, PlannedSide, VersionPlanReport } from './plan.interface.js';
import { scanSource } from './source.scan.js';
import { tryInTrialIndex } from './trial.index.js';

export interface PlanOptions {
  /** Sampled rows shown side by side. Default 3. */
  readonly show?: number;
  /** Rows sampled across the table and loaded into the trial index. Default 200. */
  readonly sample?: number;
  readonly random?: () => number;
}

/**
 * What a declared version would do, before it is created or while it backfills: its definition against
 * the serving version's, the documents it would hold, sampled rows side by side, the sampled documents
 * its mapping refuses (loaded into a trial index that is deleted afterwards) and how long its backfill
 * would take. Reads the state and the source; writes nothing but the trial index.
 */
export async function planVersion(
  definition: FamilyDefinition,
  sync: SyncOptions,
  version: number,
  options: PlanOptions = {},
): Promise<VersionPlanReport> {
  const { name: family } = definition;
  const stateSchema = sync.stateSchema ?? DEFAULT_STATE_SCHEMA;
  const declared = definition.versions.find((v) => v.version === version);
  if (!declared) {
    throw new UnknownVersionError(
      family,
      version,
      definition.versions.map((v) => v.version),
    );
  }
  const stored = await new VersionStore(stateSchema).list(sync.db, family);
  const record = stored.find((v) => v.version === version);
  if (record && !['created', 'backfilling'].includes(record.state)) {
    throw LifecycleRefusedError.plan(
      family,
      version,
      `it is ${record.state}: a plan is for a version not live yet (status and reconcile tell about a live one).`,
    );
  }
  const servingRecord = stored.find((v) => v.state === 'serving');
  const servingDefinition = definition.versions.find((v) => v.version === servingRecord?.version);
  const source = describeSource(family, definition.table, definition.key);
  const reader = new SourceRows(
    captureSource(sync.db, {
      family,
      source,
      capture: definition.capture ?? exactCapture(),
      stateSchema,
      with: definition.with,
      softDelete: definition.softDelete,
    }),
  );
  const planner = createPlanner({
    keys: source.keys,
    normalise: definition.normalise ?? ((row) => row),
    stages: definition.stages ?? [],
  });
  const target = (v: VersionDefinition<unknown>) => ({
    version: v.version,
    index: v.index ?? versionIndexName(family, v.version),
    filter: v.filter,
    transform: v.transform,
    checkpoint: null,
  });
  const planned = target(declared);
  const sampleSize = options.sample ?? 200;
  const scan = await scanSource(reader, {
    pageSize: sync.batchSize ?? 1000,
    sampleSize,
    random: options.random,
    // Without a filter, every row not soft-deleted is a document: no need to run the family's stages.
    documentsOf: async (page) =>
      declared.filter
        ? (await planner(page, [{ ...planned, transform: () => ({}) }])).operations.filter(
            (op) => op.action === 'index',
          ).length
        : page.filter((row) => !row.deleted).length,
  });

  const transformStarted = performance.now();
  const plannedBatch = await planner(scan.sample, [planned]);
  const transformMs = performance.now() - transformStarted;
  const servingBatch = servingDefinition ? await planner(scan.sample, [target(servingDefinition)]) : null;
  const documents = plannedBatch.operations.filter((op) => op.action === 'index');
  const trial = await tryInTrialIndex(
    sync.client,
    { index: planned.index, mappings: declared.mappings, settings: declared.settings },
    keyFieldType(source.keys),
    documents,
    sync.bulk,
  );
  const rejected: PlannedRejection[] = [...plannedBatch.deadLetters, ...trial.rejected].map((d) => ({
    documentId: d.documentId,
    errorType: d.errorType,
    reason: d.reason,
  }));

  const plannedSides = sides(plannedBatch, scan.sample);
  const servingSides = servingBatch && sides(servingBatch, scan.sample);
  // Rows the version makes documents of first: they show what changes.
  const shown = [...scan.sample]
    .sort(
      (a, b) =>
        Number(plannedSides.get(b.id)?.kind === 'document') -
        Number(plannedSides.get(a.id)?.kind === 'document'),
    )
    .slice(0, options.show ?? 3);

  const readMsPerRow = scan.rows > 0 ? scan.elapsedMs / scan.rows : 0;
  const writeMsPerDocument = documents.length > 0 ? (transformMs + trial.loadMs) / documents.length : 0;
  const seconds = (scan.rows * readMsPerRow + scan.documents * writeMsPerDocument) / 1000;
  return {
    family,
    version,
    index: planned.index,
    state: record?.state ?? null,
    serving: servingRecord ? { version: servingRecord.version, index: servingRecord.indexName } : null,
    mappings: diffMappings(servingDefinition?.mappings, declared.mappings),
    settings: diffSettings(servingDefinition?.settings, declared.settings),
    documents: { rows: scan.rows, documents: scan.documents, leftOut: scan.rows - scan.documents },
    samples: shown.map((row) => ({
      documentId: row.id,
      serving: servingSides?.get(row.id) ?? null,
      planned: plannedSides.get(row.id) ?? { kind: 'left-out' },
    })),
    trial: { sampled: scan.sample.length, rejected },
    estimate: {
      // To the millisecond: a small table's estimate is well under a tenth of a second, and rounding it
      // to 0 would say the backfill costs nothing (the command line rounds for people).
      seconds: Math.round(seconds * 1000) / 1000,
      rowsPerSecond: seconds > 0 ? Math.round(scan.rows / seconds) : 0,
      readMsPerRow,
      writeMsPerDocument,
      basis:
        `measured now: reading all ${scan.rows} rows (${Math.round(scan.elapsedMs)} ms), transforming and ` +
        `bulk-loading ${documents.length} sampled documents into a trial index (${Math.round(transformMs + trial.loadMs)} ms)`,
    },
  };
}

/** What a planned batch made of each row: a document, left out (a delete), or an error. */
function sides(batch: PlannedBatch, rows: readonly SourceChange<unknown>[]): Map<string, PlannedSide> {
  const result = new Map<string, PlannedSide>(rows.map((row) => [row.id, { kind: 'left-out' }]));
  for (const op of batch.operations) {
    if (op.action === 'index') result.set(op.id, { kind: 'document', document: op.document });
  }
  for (const letter of batch.deadLetters)
    result.set(letter.documentId, { kind: 'error', reason: letter.reason });
  return result;
}
