import { ChangeCounter } from '../capture/change.counter.js';
import { DrizzleChangeReader } from '../capture/change.reader.js';
import { exactCapture } from '../capture/change-capture.mode.js';
import type { DeadLetter, DeadLetterQuery } from '../dead-letters/dead-letter.interface.js';
import { messages } from '../errors/search-sync.messages.js';
import type { FamilyDefinition } from '../family/family.definition.js';
import { assertRefresh, validateFamily } from '../family/family.validate.js';
import type { SyncSource } from '../family/sync-source.js';
import { comparePositions } from '../keys/change-position.js';
import type { AliasStatus } from '../lifecycle/alias.manager.js';
import { VersionLifecycle } from '../lifecycle/version.lifecycle.js';
import type { PartitionWork } from '../partitions/partition.worker.js';
import { emptyPartitionWorkReport, type PartitionWorkReport } from '../partitions/partition-work.report.js';
import { PartitionedBackfill } from '../partitions/partitioned.backfill.js';
import type { ReconcileOptions, ReconcileReport } from '../reconcile/reconcile.interface.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { SourceRanges } from '../reconcile/source-ranges.js';
import { type RelatedStatus, relatedStatus } from '../related/related.backlog.js';
import type { RelatedPath } from '../related/related.paths.js';
import { BatchCommitter } from './batch.committer.js';
import { replayDeadLetters } from './dead-letter.replay.js';
import { bootstrapFamily } from './family.bootstrap.js';
import { createFamilyContext, type FamilyContext } from './family.context.js';
import { assertKnownVersion } from './family.guard.js';
import { FamilyStatusReader } from './family.status.js';
import { reconcileVersions } from './reconcile.selection.js';
import { RunCycle } from './run.cycle.js';
import type {
  BootstrapReport,
  GroupReport,
  HorizonStatus,
  ReplayReport,
  RunOptions,
  RunReport,
  SyncOptions,
  VersionStatus,
} from './sync.interface.js';

type Fenced = Pick<RunOptions, 'fence'>;

/**
 * One family, wired to the user's database and OpenSearch client: its source, stores and loaders, and
 * the roles that use them (bootstrap, the run cycle with its batch committer, the versions' lifecycle,
 * reconcile, replay, status). The Nest layer builds one per declared family.
 */
export class FamilySync {
  readonly name: string;
  readonly source: SyncSource;
  /** The relations whose changes re-index this family's rows (derived from its `with`). */
  readonly relatedPaths: readonly RelatedPath[];
  /** Relations the family opted out of re-indexing on (no trigger; content reconcile finds their drift). */
  readonly optedOutPaths: readonly RelatedPath[];
  private readonly family: FamilyContext;
  private readonly cycle: RunCycle;
  private readonly lifecycle: VersionLifecycle;
  private readonly statusReader: FamilyStatusReader;
  /** The family's partitioned backfills, when its backfill is partitioned. */
  private readonly partitioned?: PartitionedBackfill;
  private reconcilerInstance?: Reconciler;

  constructor(definition: FamilyDefinition, options: SyncOptions) {
    validateFamily(definition);
    assertRefresh(definition.name, options.refresh);
    const family = createFamilyContext(definition, options);
    const { db, client, name, captured } = family;
    this.family = family;
    this.name = name;
    this.source = captured.source;
    this.relatedPaths = family.relations.tracked;
    this.optedOutPaths = family.relations.optedOut;
    const counter = new ChangeCounter(captured);
    this.lifecycle = new VersionLifecycle({
      family: name,
      db,
      client,
      store: family.versions,
      versions: family.targets.map((t) => ({ ...t, filtered: t.filter !== undefined })),
      reconciler: () => this.reconciler(),
      progress: {
        checkpoints: () => family.checkpoints.read(db, name),
        pendingAfter: (checkpoint) => counter.countAfter(checkpoint),
      },
      maxPending: options.batchSize ?? 1000,
      compare: (a, b) => comparePositions(this.source.keys, a, b),
      owns: async (version, index) =>
        (await family.indexes.inspect([{ version, index }])).foreign.length === 0,
    });
    this.partitioned = family.partitioning ? new PartitionedBackfill(family, family.partitioning) : undefined;
    this.cycle = new RunCycle({
      family,
      reader: new DrizzleChangeReader(captured),
      committer: new BatchCommitter({ ...family, family: name, keys: captured.keys }),
      lifecycle: this.lifecycle,
      partitioned: this.partitioned,
    });
    this.statusReader = new FamilyStatusReader({
      ...family,
      family: name,
      exact: (definition.capture ?? exactCapture()).mode === 'exact',
      backfill: () => this.cycle.backfill,
      backfillPlans: this.partitioned?.plans,
    });
  }

  get versions(): readonly { version: number; index: string }[] {
    return this.family.targets;
  }

  /**
   * Checks what a run needs before any runs: the state tables and change capture are installed, no
   * version's definition changed since it was created, and no index of another owner is in the way
   * unless `adopt` lists it. Registers new versions and creates (or adopts) their indexes; a new
   * version's index starts with backfill settings. A bootstrap that fails writes nothing: the check, the
   * registration and the indexes it builds stand or fall together. An alias that does not point where
   * the state says is reported, not moved.
   */
  async prepare(): Promise<BootstrapReport> {
    const { family } = this;
    const { notices } = await bootstrapFamily({
      ...family,
      family: family.name,
      related: family.relations,
      adopt: family.options.adopt ?? [],
      plan: (target) => async (rows) => family.plan(rows, [{ ...target, checkpoint: null }]),
    });
    const { alias, indexes, serving, matches } = await this.aliasStatus();
    return {
      notices: matches ? notices : [...notices, messages.aliasElsewhere(this.name, alias, indexes, serving)],
    };
  }

  /** Whether new versions of this family backfill through partitions that every instance works. */
  get partitionedBackfill(): boolean {
    return this.partitioned !== undefined;
  }

  /**
   * Works partitions of the family's partitioned backfills in progress, without the family's lease (an
   * instance that does not hold it takes part this way), until none is free or `work.signal` stops it.
   * The lease holder plans them and merges them (in `run`).
   */
  async workPartitions(work: PartitionWork): Promise<PartitionWorkReport> {
    return this.partitioned ? this.partitioned.work(work) : emptyPartitionWorkReport();
  }

  /** Where the family's alias points, beside the version this state records as serving. */
  aliasStatus(): Promise<AliasStatus> {
    return this.lifecycle.aliasStatus();
  }

  /**
   * One run up to the horizon. Caught-up versions read together; versions still backfilling read on
   * their own stream at the same time (at most two reads), and while the backfill streams the caught-up
   * group runs again every `liveIntervalMs`, so the serving version stays fresh. A backfill that reaches
   * the head gets its declared settings back and goes live.
   */
  run(options: RunOptions = {}): Promise<RunReport> {
    return this.cycle.run(options);
  }

  /**
   * Syncs the caught-up versions to the horizon and nothing else (a backfill waits for the next run).
   * Promotion does this under the lease first: the version to promote then stands where the serving one
   * does, however long ago the last run was.
   */
  catchUp(options: Pick<RunOptions, 'fence' | 'leaseLost' | 'signal'> = {}): Promise<GroupReport | null> {
    return this.cycle.catchUp(options);
  }

  /**
   * Points the family's alias at a version that is live, not behind the serving one, and passes the
   * parity check against the source; with a `fence`, the lease is checked just before the alias moves.
   */
  promote(version: number, options: Fenced = {}) {
    return this.lifecycle.promote(version, this.beforeChange(options));
  }

  /**
   * Points the alias back at the version that served before (it stayed live); with a `fence`, the lease
   * is checked just before the alias moves.
   */
  rollback(options: Fenced = {}) {
    return this.lifecycle.rollback(this.beforeChange(options));
  }

  /**
   * Stops syncing a version and deletes its index after `graceMs`; with a `fence`, the lease is checked
   * just before the version is retired.
   */
  async retire(version: number, graceMs = 24 * 3600_000, options: Fenced = {}) {
    await this.assertVersion(version);
    return this.lifecycle.retire(version, graceMs, this.beforeChange(options));
  }

  /**
   * Compares each live or serving version (or one) with the source as of its checkpoint, by key ranges,
   * and repairs what differs. A version still backfilling is refused: its index is not complete yet.
   */
  async reconcile(version?: number, options?: ReconcileOptions): Promise<ReconcileReport[]> {
    await this.assertVersion(version);
    return reconcileVersions(this.family, this.reconciler(), version, options);
  }

  async deadLetters(query: Omit<DeadLetterQuery, 'family'> = {}): Promise<DeadLetter[]> {
    await this.assertVersion(query.version);
    return this.family.deadLetters.list(this.family.db, { ...query, family: this.name });
  }

  /** Sends dead letters again from the source as it is now (see `dead-letter.replay.ts`). */
  async replay(query: Omit<DeadLetterQuery, 'family'> = {}, options: Fenced = {}): Promise<ReplayReport> {
    await this.assertVersion(query.version);
    return replayDeadLetters(this.family, query, options);
  }

  /**
   * Per version: state, checkpoint, pending changes, lag, documents and whether their count is what the
   * checkpoint implies, open dead letters and backfill progress.
   */
  status(): Promise<VersionStatus[]> {
    return this.statusReader.read();
  }

  /**
   * Where the horizon stands: how many changes wait behind it, and the transaction holding it back
   * when there is one (exact capture only).
   */
  horizonStatus(): Promise<HorizonStatus> {
    return this.statusReader.horizon();
  }

  /** Related changes waiting to re-index the family's rows, and the relations it opted out of. */
  relatedStatus(): Promise<RelatedStatus> {
    const { db, stateSchema, captured, relations } = this.family;
    return relatedStatus(db, stateSchema, captured.source, relations);
  }

  /** Changes a run from the lowest checkpoint would read now, up to the horizon (for progress and ETA). */
  pendingChanges(): Promise<number> {
    return this.statusReader.pendingChanges();
  }

  /** UnknownVersionError unless the family declares `version` or (not `declared`) its state records it. */
  assertVersion(version: number | undefined, { declared = false } = {}): Promise<void> {
    return assertKnownVersion(this.family, version, declared);
  }

  /** The lease check a lifecycle change runs just before it moves the alias or retires a version. */
  private beforeChange({ fence }: Fenced): (() => Promise<void>) | undefined {
    return fence ? () => fence(this.family.db) : undefined;
  }

  private reconciler(): Reconciler {
    const { family } = this;
    this.reconcilerInstance ??= new Reconciler({
      source: new SourceRanges(family.captured),
      client: family.client,
      loader: family.loader,
      plan: async (changes, version) => {
        const target = family.targets.find((t) => t.version === version)!;
        return (await family.plan(changes, [{ ...target, checkpoint: null }])).operations;
      },
    });
    return this.reconcilerInstance;
  }
}
