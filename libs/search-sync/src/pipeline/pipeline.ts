import type { ReadBound } from '../family/change-capture.interface.js';
import type { ChangeBatch, Stage } from '../family/stage.interface.js';
import type { ChangePosition } from '../keys/change-position.js';
import { comparePositions } from '../keys/change-position.js';
import { type ChangeReader, type ExtractOptions, extractChanges } from './extract.stage.js';
import { type Loader, load } from './load.stage.js';
import { normalise } from './normalise.stage.js';
import type { LoadedBatch, VersionTarget } from './pipeline.interface.js';
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
  /** Removes transactions from the versions' pending ones, once every change of theirs is handled. */
  readonly settle: (finished: readonly number[]) => Promise<void>;
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
 * One run of a cursor group, bounded by one snapshot of the source's transactions. First the
 * transactions its checkpoints left pending that have finished since (their changes at or before the
 * highest checkpoint), then everything after the lowest checkpoint that the snapshot saw committed:
 * a transaction still open is left pending, and nothing waits for it.
 */
export async function runPipeline<T>(run: PipelineRun<T>): Promise<PipelineSummary> {
  const bound = await run.reader.bound();
  const from = checkpointAt(run, -1);
  const summary = {
    from,
    horizon: bound.below,
    batches: 0,
    changes: 0,
    operations: 0,
    deadLetters: 0,
    end: from,
  };
  const finished = finishedPending(run.targets, bound);
  if (finished.length > 0) {
    const upTo = checkpointAt(run, 1);
    await stream(run, { from: null, scope: { kind: 'transactions', ids: finished, upTo } }, summary);
    if (run.signal?.aborted) return summary;
    await run.settle(finished);
  }
  await stream(run, { from, scope: { kind: 'snapshot', ...bound } }, summary);
  return summary;
}

/**
 * The stages, in the order of docs/design.md: extract → normalise → (family stages) → route → transform → load
 * (with retries and dead letters) → checkpoint.
 */
async function stream<T>(
  run: PipelineRun<T>,
  read: Omit<ExtractOptions, 'batchSize' | 'signal'>,
  summary: {
    batches: number;
    changes: number;
    operations: number;
    deadLetters: number;
    end: ChangePosition | null;
  },
): Promise<void> {
  const extracted = extractChanges(run.reader, { ...read, batchSize: run.batchSize, signal: run.signal });
  const normalised = normalise(run.normalise)(extracted);
  const enriched = run.stages.reduce<AsyncIterable<ChangeBatch<T>>>(
    (batches, stage) => stage(batches),
    normalised,
  );
  const routed = route(run.reader.keys, run.targets)(enriched);
  const planned = transform<T>(run.reader.keys)(routed);
  const loaded = load(run.loader, run.batchesInFlight, run.halt)(planned);
  for await (const batch of loaded) {
    await run.commit(batch);
    summary.batches++;
    summary.changes += batch.changeCount;
    summary.operations += batch.operations.length;
    summary.deadLetters += batch.deadLetters.length;
    if (batch.pending) summary.end = batch.end;
  }
}

/** The lowest (`-1`) or highest (`1`) checkpoint of the group; a version with none reads everything. */
function checkpointAt<T>(run: PipelineRun<T>, side: -1 | 1): ChangePosition | null {
  let found: ChangePosition | null = null;
  for (const { checkpoint } of run.targets) {
    if (!checkpoint) {
      if (side < 0) return null;
      continue;
    }
    if (!found || Math.sign(comparePositions(run.reader.keys, checkpoint, found)) === side)
      found = checkpoint;
  }
  return found;
}

/** Transactions some checkpoint of the group left pending that the bound sees finished. */
function finishedPending<T>(targets: readonly VersionTarget<T>[], bound: ReadBound): number[] {
  const ids = new Set<number>();
  for (const { checkpoint } of targets) {
    for (const id of checkpoint?.pending ?? []) {
      if (id < bound.below && !bound.inProgress.includes(id)) ids.add(id);
    }
  }
  return [...ids].sort((a, b) => a - b);
}
