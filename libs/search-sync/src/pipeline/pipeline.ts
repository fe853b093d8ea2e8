import type { ChangePosition } from './change-position.js';
import { comparePositions } from './change-position.js';
import { type ChangeReader, extractChanges } from './extract.stage.js';
import { type Loader, load } from './load.stage.js';
import { normalise } from './normalise.stage.js';
import type { ChangeBatch, LoadedBatch, Stage, VersionTarget } from './pipeline.interface.js';
import { route } from './route.stage.js';
import { transform } from './transform.stage.js';

export interface PipelineRun<T> {
  readonly reader: ChangeReader;
  /** The versions read together: the cursor group. */
  readonly targets: readonly VersionTarget<T>[];
  readonly batchSize: number;
  readonly batchesInFlight: number;
  readonly normalise: (row: any) => T;
  readonly stages: readonly Stage<ChangeBatch<T>, ChangeBatch<T>>[];
  readonly loader: Loader;
  /** Durably records a handled batch: its dead letters and the versions' checkpoints, in one transaction. */
  readonly commit: (batch: LoadedBatch) => Promise<void>;
  /** Stops between batches; batches already being loaded finish and commit. */
  readonly signal?: AbortSignal;
  /** Stops sending at once (the lease is lost): the run fails with the signal's reason. */
  readonly halt?: AbortSignal;
}

export interface PipelineSummary {
  readonly from: ChangePosition | null;
  readonly horizon: number;
  readonly batches: number;
  readonly changes: number;
  readonly operations: number;
  readonly deadLetters: number;
  readonly end: ChangePosition | null;
}

/**
 * One run of a cursor group from its lowest checkpoint to the horizon. The stages, in DESIGN.md order:
 * extract → normalise → (family stages) → route → transform → load (with retries and dead letters) →
 * checkpoint.
 */
export async function runPipeline<T>(run: PipelineRun<T>): Promise<PipelineSummary> {
  const from = lowestCheckpoint(run);
  const horizon = await run.reader.horizon();

  const extracted = extractChanges(run.reader, {
    from,
    horizon,
    batchSize: run.batchSize,
    signal: run.signal,
  });
  const normalised = normalise(run.normalise)(extracted);
  const enriched = run.stages.reduce<AsyncIterable<ChangeBatch<T>>>(
    (batches, stage) => stage(batches),
    normalised,
  );
  const routed = route(run.reader.keys, run.targets)(enriched);
  const planned = transform<T>(run.reader.keys)(routed);
  const loaded = load(run.loader, run.batchesInFlight, run.halt)(planned);

  const summary = { from, horizon, batches: 0, changes: 0, operations: 0, deadLetters: 0, end: from };
  for await (const batch of loaded) {
    await run.commit(batch);
    summary.batches++;
    summary.changes += batch.changeCount;
    summary.operations += batch.operations.length;
    summary.deadLetters += batch.deadLetters.length;
    summary.end = batch.end;
  }
  return summary;
}

/** Where a group reads from: the lowest checkpoint of its versions; a version with none reads everything. */
function lowestCheckpoint<T>(run: PipelineRun<T>): ChangePosition | null {
  let lowest: ChangePosition | null = null;
  for (const { checkpoint } of run.targets) {
    if (!checkpoint) return null;
    if (!lowest || comparePositions(run.reader.keys, checkpoint, lowest) < 0) lowest = checkpoint;
  }
  return lowest;
}
