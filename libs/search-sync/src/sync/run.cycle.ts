import { setTimeout as sleep } from 'node:timers/promises';
import { pruneTombstones } from '../capture/tombstone.pruner.js';
import { IndexMissingError } from '../errors/index-missing.error.js';
import { IndexNotOwnedError } from '../errors/index-not-owned.error.js';
import { cursorGroups } from '../lifecycle/cursor-groups.js';
import type { VersionLifecycle } from '../lifecycle/version.lifecycle.js';
import { DEFAULT_PARTITION_WORK } from '../partitions/partition.worker.js';
import type { PartitionedBackfill } from '../partitions/partitioned.backfill.js';
import { countingReader, type ReadCounter } from '../pipeline/counting.reader.js';
import type { ChangeReader } from '../pipeline/extract.stage.js';
import { addLoadStats, emptyLoadStats } from '../pipeline/load.stats.js';
import type { VersionTarget } from '../pipeline/pipeline.interface.js';
import { runPipeline } from '../pipeline/pipeline.js';
import { fanOutRelatedChanges } from '../related/related.fanout.js';
import { linkedSignal } from '../utils/abort.util.js';
import type { BackfillInProcess } from './backfill-progress.reader.js';
import type { BatchCommitter } from './batch.committer.js';
import type { FamilyContext, FamilyTarget } from './family.context.js';
import { refreshAfterRun } from './live.refresh.js';
import { emptyGroupReport, groupReport, runReport } from './run.report.js';
import type { GroupReport, RunOptions, RunReport } from './sync.interface.js';

export interface RunCycleOptions {
  readonly family: FamilyContext;
  /** The change stream extraction reads. */
  readonly reader: ChangeReader;
  readonly committer: BatchCommitter;
  readonly lifecycle: VersionLifecycle;
  /** Set when the family's backfill is partitioned: new versions read through partitions first. */
  readonly partitioned?: PartitionedBackfill;
}

/**
 * A family's run: related changes turned into changes of its rows, then one pipeline per cursor group
 * (at most two reads): the caught-up versions together and, at the same time, versions still
 * backfilling on their own stream, the caught-up group running again every `liveIntervalMs` meanwhile.
 */
export class RunCycle {
  private current: BackfillInProcess | null = null;

  constructor(private readonly deps: RunCycleOptions) {}

  /** The backfill in progress in this process: its rate makes the ETA in status. */
  get backfill(): BackfillInProcess | null {
    return this.current;
  }

  async run(options: RunOptions = {}): Promise<RunReport> {
    const { family, lifecycle } = this.deps;
    const relatedPaths = family.relations.tracked;
    const started = performance.now();
    await lifecycle.deleteExpired();
    // Related rows that changed make their parents changes of this table first, read by this run.
    const { source } = family.captured;
    const touched =
      relatedPaths.length === 0
        ? 0
        : await fanOutRelatedChanges(family.captured, {
            source: `${source.schema}.${source.name}`,
            stateSchema: family.stateSchema,
            paths: relatedPaths,
            fence: options.fence,
          });
    const { missing, foreign, identity, ...groups } = await this.start();
    const reports: GroupReport[] = [];
    const cycle = new AbortController();
    const { signal: stop, dispose: disposeStop } = linkedSignal([options.signal, cycle.signal]);
    let backfilled = false;
    if (groups.backfill.length > 0) {
      // With nobody to keep fresh, a backfill simply runs to the head.
      const live = groups.live.length > 0;
      const { signal, dispose } = linkedSignal([stop], live ? options.backfillBudgetMs : undefined);
      this.current = { versions: groups.backfill.map((t) => t.version), started: Date.now(), changes: 0 };
      const backfill = this.backfillGroup(groups.backfill, { ...options, signal }, live);
      const fresh = live ? this.keepFresh(groups.live, options, stop, backfill) : Promise.resolve([]);
      try {
        const [backfillReport, liveReports] = await Promise.all([backfill, fresh]);
        reports.push(...liveReports, backfillReport);
        backfilled = !signal.aborted;
      } catch (error) {
        cycle.abort();
        await Promise.allSettled([backfill, fresh]);
        throw error;
      } finally {
        dispose();
        disposeStop();
      }
    } else if (groups.live.length > 0) {
      try {
        reports.push(await this.runLive(groups.live, { ...options, signal: stop }));
      } finally {
        disposeStop();
      }
    } else disposeStop();
    if (backfilled) {
      this.current = null;
      await lifecycle.caughtUp(groups.backfill.map((t) => t.version));
    }
    // Hard deletes every version has applied need no tombstone any more; the table would grow forever.
    await pruneTombstones(family.captured);
    if (missing.length > 0) throw new IndexMissingError(family.name, missing);
    if (foreign.length > 0) throw new IndexNotOwnedError(family.name, foreign, identity);
    return runReport(family.name, reports, performance.now() - started, touched);
  }

  /**
   * The backfill group's read. With partitioned backfill, versions without a checkpoint first reach their
   * low watermark through partitions that every instance works; the group's stream then reads from there
   * (it does not start while a version has neither).
   */
  private async backfillGroup(
    targets: readonly VersionTarget<unknown>[],
    options: RunOptions,
    live: boolean,
  ): Promise<GroupReport> {
    const { family, partitioned } = this.deps;
    const count = (changes: number) => {
      if (this.current) this.current.changes += changes;
    };
    const loader = live ? family.backfillLoader : family.loader;
    if (!partitioned || targets.every((t) => t.checkpoint !== null))
      return this.runGroup(targets, options, loader, count);
    const merged = await partitioned.run(targets, {
      ...DEFAULT_PARTITION_WORK,
      ...options.partitions,
      signal: options.signal,
      fence: options.fence,
    });
    if (!merged) return emptyGroupReport(targets.map((t) => t.version));
    const checkpoints = await family.checkpoints.read(family.db, family.name);
    const caught = targets.map((t) => ({ ...t, checkpoint: checkpoints.get(t.version) ?? null }));
    return this.runGroup(caught, options, loader, count);
  }

  /** Syncs the caught-up versions to the horizon and nothing else (a backfill waits for the next run). */
  async catchUp(
    options: Pick<RunOptions, 'fence' | 'leaseLost' | 'signal'> = {},
  ): Promise<GroupReport | null> {
    const { live } = await this.start();
    return live.length > 0 ? this.runLive(live, options) : null;
  }

  /**
   * Each version with its state and checkpoint, in its cursor group. A version whose index is missing is
   * left out (`missing`): OpenSearch would create the index again, with dynamic mappings, at the first
   * write, and a bulk request has no flag that forbids that for a concrete index name. So is a version
   * whose index is not this state's (`foreign`). An adopted live or serving version is reconciled first.
   */
  private async start() {
    const { db, name, targets, bases, indexes } = this.deps.family;
    const [checkpoints, stored, openDeadLetters] = await Promise.all([
      this.deps.family.checkpoints.read(db, name),
      this.deps.family.versions.list(db, name),
      this.deps.family.deadLetters.hasOpen(db, name),
    ]);
    this.deps.committer.expectOpenDeadLetters(openDeadLetters);
    bases.update(stored);
    const states = new Map(stored.map((v) => [v.version, v.state]));
    const { live, backfill } = cursorGroups(
      targets.map((t) => ({
        ...t,
        state: states.get(t.version) ?? 'created',
        checkpoint: checkpoints.get(t.version) ?? null,
      })),
    );
    const { missing, foreign, identity } = await indexes.inspect([...live, ...backfill]);
    const usable = (t: (typeof live)[number]) =>
      !missing.includes(t) && !foreign.some((f) => f.version === t.version);
    if (stored.some((v) => v.adoptedFrom !== null)) {
      const caughtUp = [...live, ...backfill].filter(
        (t) => usable(t) && ['live', 'serving'].includes(t.state),
      );
      await this.deps.lifecycle.reconcileAdopted(caughtUp.map((t) => t.version));
    }
    return { live: live.filter(usable), backfill: backfill.filter(usable), missing, foreign, identity };
  }

  /**
   * While the backfill streams, runs the caught-up group again every `liveIntervalMs`, start to start: a
   * live run slowed down by the backfill's load does not also push the next one back.
   */
  private async keepFresh(
    live: readonly FamilyTarget[],
    options: RunOptions,
    stop: AbortSignal,
    backfill: Promise<unknown>,
  ): Promise<GroupReport[]> {
    const { db, name } = this.deps.family;
    let backfilling = true;
    void backfill
      .finally(() => {
        backfilling = false;
      })
      .catch(() => {});
    const reports: GroupReport[] = [];
    const interval = this.deps.family.options.liveIntervalMs ?? 500;
    do {
      const started = Date.now();
      const checkpoints = await this.deps.family.checkpoints.read(db, name);
      const targets = live.map((t) => ({ ...t, checkpoint: checkpoints.get(t.version) ?? null }));
      reports.push(await this.runLive(targets, { ...options, signal: stop }));
      const wait = interval - (Date.now() - started);
      if (backfilling && wait > 0) await Promise.race([sleep(wait), backfill.catch(() => {})]);
    } while (backfilling && !stop.aborted);
    return reports;
  }

  /** The caught-up group, then (with `refresh: 'after-run'`) a refresh of the indexes it wrote to. */
  private async runLive(
    targets: readonly VersionTarget<unknown>[],
    options: RunOptions,
  ): Promise<GroupReport> {
    const report = await this.runGroup(targets, options);
    await refreshAfterRun(this.deps.family, targets, report);
    return report;
  }

  /** One cursor group through the pipeline, each handled batch committed by the batch committer. */
  private async runGroup(
    targets: readonly VersionTarget<unknown>[],
    options: RunOptions,
    loader = this.deps.family.loader,
    onChanges?: (changes: number) => void,
  ): Promise<GroupReport> {
    const { family, committer } = this.deps;
    const { observe } = family;
    const versions = targets.map((t) => t.version);
    const counter: ReadCounter = { rowQueries: 0, rowQueryMs: 0 };
    let load = emptyLoadStats();
    const summary = await runPipeline({
      reader: countingReader(this.deps.reader, counter),
      targets,
      batchSize: family.options.batchSize ?? 1000,
      batchesInFlight: family.options.batchesInFlight ?? 2,
      normalise: family.definition.normalise ?? ((row) => row),
      stages: family.definition.stages ?? [],
      loader,
      commit: async (batch) => {
        await committer.commit(batch, options.fence);
        load = addLoadStats(load, batch.stats);
        onChanges?.(batch.changeCount);
        const { versions, changeCount: changes, deadLetters } = batch;
        observe?.({ type: 'batch', family: family.name, versions, changes, deadLetters });
        options.onBatch?.({ changes, operations: batch.operations.length });
      },
      settle: (finished) => committer.settle(versions, finished, options.fence),
      signal: options.signal,
      halt: options.leaseLost,
    });
    const report = groupReport(versions, summary, counter, load);
    options.onGroup?.(report);
    return report;
  }
}
