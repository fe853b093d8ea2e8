import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import { DrizzleChangeReader } from '../capture/change.reader.js';
import { exactCapture } from '../capture/change-capture.mode.js';
import { horizonHolder } from '../capture/horizon.inspect.js';
import { CheckpointStore } from '../checkpoints/checkpoint.store.js';
import type { SyncDatabase } from '../database/database.type.js';
import type { DeadLetter, DeadLetterQuery } from '../dead-letters/dead-letter.interface.js';
import { DeadLetterStore } from '../dead-letters/dead-letter.store.js';
import { IndexMissingError } from '../errors/index-missing.error.js';
import { IndexNotOwnedError } from '../errors/index-not-owned.error.js';
import { LifecycleRefusedError } from '../errors/lifecycle.error.js';
import { messages } from '../errors/search-sync.messages.js';
import { safeObserver } from '../events/sync-event.hub.js';
import type { SyncObserver } from '../events/sync-event.interface.js';
import { versionDefinitionHash } from '../family/definition.hash.js';
import type { FamilyDefinition } from '../family/family.definition.js';
import { validateFamily, versionIndexName } from '../family/family.validate.js';
import { describeSource, type SyncSource } from '../family/sync-source.js';
import { parseDocumentId } from '../keys/document-id.js';
import { cursorGroups } from '../lifecycle/cursor-groups.js';
import { VersionLifecycle } from '../lifecycle/version.lifecycle.js';
import { BulkLoader, DEFAULT_BULK_OPTIONS } from '../opensearch/bulk.loader.js';
import { checkIndexes } from '../opensearch/index.owner.js';
import { comparePositions } from '../pipeline/change-position.js';
import { countingReader, type ReadCounter } from '../pipeline/counting.reader.js';
import type { Loader } from '../pipeline/load.stage.js';
import type {
  DeadLetterRecord,
  IndexOperation,
  LoadedBatch,
  LoadStats,
  VersionTarget,
} from '../pipeline/pipeline.interface.js';
import { runPipeline } from '../pipeline/pipeline.js';
import type { ReconcileReport } from '../reconcile/reconcile.interface.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { fanOutRelatedChanges } from '../related/related.fanout.js';
import { type RelatedPath, trackedRelations } from '../related/related.paths.js';
import { StateIdentityStore } from '../state/state.identity.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import { linkedSignal } from '../utils/abort.util.js';
import { VersionBases } from '../versions/version.base.js';
import { VersionStore } from '../versions/version.store.js';
import { bootstrapFamily } from './family.bootstrap.js';
import { createPlanner, type Planner } from './family.planner.js';
import { type BackfillInProcess, FamilyStatusReader } from './family.status.js';
import type {
  AliasStatus,
  BootstrapReport,
  GroupReport,
  HorizonStatus,
  ReplayReport,
  RunOptions,
  RunReport,
  SyncOptions,
  VersionStatus,
} from './sync.interface.js';

type Target = Omit<VersionTarget<unknown>, 'checkpoint'> & {
  readonly index: string;
  readonly mappings?: Record<string, unknown>;
  readonly settings?: Record<string, unknown>;
  readonly definitionHash: string;
};

const emptyStats = (): LoadStats => ({
  requests: 0,
  bytes: 0,
  succeeded: 0,
  alreadyNewer: 0,
  alreadyDeleted: 0,
  retriedItems: 0,
  throttledItems: 0,
  rejected: 0,
});

function addStats(total: LoadStats, more: LoadStats): LoadStats {
  const sum = { ...total };
  for (const key of Object.keys(sum) as (keyof LoadStats)[]) sum[key] += more[key];
  return sum;
}

/**
 * One family, wired to the user's database and OpenSearch client: the stores, the change reader and
 * the bulk loader around the framework-free pipeline, the versions' lifecycle and reconcile. The Nest
 * layer builds one per declared family.
 */
export class FamilySync {
  readonly name: string;
  readonly source: SyncSource;
  /** The relations whose changes re-index this family's rows (derived from its `with`). */
  readonly relatedPaths: readonly RelatedPath[];
  private readonly db: SyncDatabase;
  private readonly client: Client;
  private readonly stateSchema: string;
  private readonly reader: DrizzleChangeReader;
  private readonly loader: Loader;
  private readonly backfillLoader: Loader;
  private readonly targets: readonly Target[];
  private readonly checkpoints: CheckpointStore;
  private readonly deadLetterStore: DeadLetterStore;
  private readonly versionStore: VersionStore;
  private readonly identities: StateIdentityStore;
  private readonly bases = new VersionBases();
  private readonly lifecycle: VersionLifecycle;
  private readonly plan: Planner;
  private readonly observe?: SyncObserver;
  /** Whether open dead letters may exist, so commits only look for superseded ones when they can. */
  private openDeadLetters = true;
  /** The backfill in progress in this process: its rate makes the ETA in status. */
  private backfill: BackfillInProcess | null = null;
  private readonly statusReader: FamilyStatusReader;

  constructor(
    private readonly definition: FamilyDefinition,
    private readonly options: SyncOptions,
  ) {
    validateFamily(definition);
    this.name = definition.name;
    this.db = options.db;
    this.client = options.client;
    this.stateSchema = options.stateSchema ?? DEFAULT_STATE_SCHEMA;
    this.source = describeSource(definition.name, definition.table, definition.key);
    this.reader = new DrizzleChangeReader(options.db, {
      family: definition.name,
      source: this.source,
      capture: definition.capture ?? exactCapture(),
      stateSchema: this.stateSchema,
      with: definition.with,
      softDelete: definition.softDelete,
    });
    this.relatedPaths = trackedRelations(definition, options.db);
    this.observe = safeObserver(options.observer);
    const observe = this.observe;
    const loader = (bulkOptions = options.bulk): Loader => {
      const bulk = new BulkLoader(
        options.client,
        bulkOptions,
        undefined,
        observe && ((event) => observe({ ...event, family: this.name })),
      );
      const load = this.bases.wrap((operations, halt) => bulk.load(operations, halt));
      return options.wrapLoader ? options.wrapLoader(load) : load;
    };
    this.loader = loader();
    // Beside live versions, a backfill gets bulk slots of its own, one fewer than a run: the live
    // versions' small batches neither queue behind its requests here nor find every write thread of
    // the cluster busy with them, so the serving version stays fresh while a new one streams.
    const concurrency = options.bulk?.concurrency ?? DEFAULT_BULK_OPTIONS.concurrency;
    this.backfillLoader = loader({ ...options.bulk, concurrency: Math.max(1, concurrency - 1) });
    this.targets = [...definition.versions]
      .sort((a, b) => a.version - b.version)
      .map((v) => ({
        version: v.version,
        index: v.index ?? versionIndexName(definition.name, v.version),
        filter: v.filter,
        transform: v.transform,
        mappings: v.mappings,
        settings: v.settings,
        definitionHash: versionDefinitionHash(v),
      }));
    this.checkpoints = new CheckpointStore(this.stateSchema);
    this.deadLetterStore = new DeadLetterStore(this.stateSchema);
    this.versionStore = new VersionStore(this.stateSchema);
    this.identities = new StateIdentityStore(this.stateSchema);
    this.plan = createPlanner({
      keys: this.source.keys,
      normalise: definition.normalise ?? ((row) => row),
      stages: definition.stages ?? [],
    });
    this.statusReader = new FamilyStatusReader({
      family: this.name,
      db: this.db,
      client: this.client,
      reader: this.reader,
      checkpoints: this.checkpoints,
      versions: this.versionStore,
      deadLetters: this.deadLetterStore,
      targets: this.targets,
      backfill: () => this.backfill,
    });
    let reconciler: Reconciler | undefined;
    this.lifecycle = new VersionLifecycle(
      this.name,
      this.db,
      this.client,
      this.versionStore,
      this.targets.map((t) => ({ ...t, filtered: t.filter !== undefined })),
      () => {
        reconciler ??= this.reconciler();
        return reconciler;
      },
      {
        checkpoints: () => this.checkpoints.read(this.db, this.name),
        pendingAfter: (checkpoint) => this.reader.countAfter(checkpoint),
      },
      options.batchSize ?? 1000,
      (a, b) => comparePositions(this.source.keys, a, b),
      async (version, index) => (await this.inspectIndexes([{ version, index }])).foreign.length === 0,
    );
  }

  get versions(): readonly { version: number; index: string }[] {
    return this.targets;
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
    const { notices } = await bootstrapFamily({
      related: this.relatedPaths,
      family: this.name,
      db: this.db,
      client: this.client,
      stateSchema: this.stateSchema,
      source: this.source,
      tombstones: (this.definition.capture ?? exactCapture()).tombstones,
      reader: this.reader,
      versions: this.versionStore,
      identities: this.identities,
      adopt: this.options.adopt ?? [],
      targets: this.targets,
      plan: (target) => async (rows) => this.plan(rows, [{ ...target, checkpoint: null }]),
    });
    const { alias, indexes, serving, matches } = await this.aliasStatus();
    return {
      notices: matches ? notices : [...notices, messages.aliasElsewhere(this.name, alias, indexes, serving)],
    };
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
  async run(options: RunOptions = {}): Promise<RunReport> {
    const started = performance.now();
    await this.lifecycle.deleteExpired();
    // Related rows that changed make their parents changes of this table first, read by this run.
    const touched =
      this.relatedPaths.length === 0
        ? 0
        : await fanOutRelatedChanges(this.reader, {
            source: `${this.source.schema}.${this.source.name}`,
            stateSchema: this.stateSchema,
            paths: this.relatedPaths,
            fence: options.fence,
          });
    const { missing, foreign, identity, ...groups } = await this.startRun();
    const reports: GroupReport[] = [];
    const cycle = new AbortController();
    const { signal: stop, dispose: disposeStop } = linkedSignal([options.signal, cycle.signal]);
    let backfilled = false;
    if (groups.backfill.length > 0) {
      // With nobody to keep fresh, a backfill simply runs to the head.
      const budget = groups.live.length > 0 ? options.backfillBudgetMs : undefined;
      const { signal, dispose } = linkedSignal([stop], budget);
      this.backfill = { versions: groups.backfill.map((t) => t.version), started: Date.now(), changes: 0 };
      const backfill = this.runGroup(
        groups.backfill,
        { ...options, signal },
        groups.live.length > 0 ? this.backfillLoader : this.loader,
        (changes) => {
          if (this.backfill) this.backfill.changes += changes;
        },
      );
      const live =
        groups.live.length > 0 ? this.keepFresh(groups.live, options, stop, backfill) : Promise.resolve([]);
      try {
        const [backfillReport, liveReports] = await Promise.all([backfill, live]);
        reports.push(...liveReports, backfillReport);
        backfilled = !signal.aborted;
      } catch (error) {
        cycle.abort();
        await Promise.allSettled([backfill, live]);
        throw error;
      } finally {
        dispose();
        disposeStop();
      }
    } else if (groups.live.length > 0) {
      try {
        reports.push(await this.runGroup(groups.live, { ...options, signal: stop }));
      } finally {
        disposeStop();
      }
    } else disposeStop();
    if (backfilled) {
      this.backfill = null;
      await this.lifecycle.caughtUp(groups.backfill.map((t) => t.version));
    }
    // Hard deletes every version has applied need no tombstone any more; the table would grow forever.
    await this.reader.pruneTombstones();
    if (missing.length > 0) throw new IndexMissingError(this.name, missing);
    if (foreign.length > 0) throw new IndexNotOwnedError(this.name, foreign, identity);
    return { ...summarise(this.name, reports, performance.now() - started), relatedParents: touched };
  }

  /**
   * Syncs the caught-up versions to the horizon and nothing else (a backfill waits for the next run).
   * Promotion does this under the lease first: the version to promote then stands where the serving one
   * does, however long ago the last run was.
   */
  async catchUp(
    options: Pick<RunOptions, 'fence' | 'leaseLost' | 'signal'> = {},
  ): Promise<GroupReport | null> {
    const { live } = await this.startRun();
    return live.length > 0 ? this.runGroup(live, options) : null;
  }

  /**
   * Each version with its state and checkpoint, in its cursor group. A version whose index is missing is
   * left out (`missing`): OpenSearch would create the index again, with dynamic mappings, at the first
   * write, and a bulk request has no flag that forbids that for a concrete index name. So is a version
   * whose index is not this state's (`foreign`). An adopted live or serving version is reconciled first.
   */
  private async startRun() {
    const [checkpoints, stored, openDeadLetters] = await Promise.all([
      this.checkpoints.read(this.db, this.name),
      this.versionStore.list(this.db, this.name),
      this.deadLetterStore.hasOpen(this.db, this.name),
    ]);
    this.openDeadLetters = openDeadLetters;
    this.bases.update(stored);
    const states = new Map(stored.map((v) => [v.version, v.state]));
    const { live, backfill } = cursorGroups(
      this.targets.map((t) => ({
        ...t,
        state: states.get(t.version) ?? 'created',
        checkpoint: checkpoints.get(t.version) ?? null,
      })),
    );
    const { missing, foreign, identity } = await this.inspectIndexes([...live, ...backfill]);
    const usable = (t: (typeof live)[number]) =>
      !missing.includes(t) && !foreign.some((f) => f.version === t.version);
    if (stored.some((v) => v.adoptedFrom !== null)) {
      const caughtUp = [...live, ...backfill].filter(
        (t) => usable(t) && ['live', 'serving'].includes(t.state),
      );
      await this.lifecycle.reconcileAdopted(caughtUp.map((t) => t.version));
    }
    return { live: live.filter(usable), backfill: backfill.filter(usable), missing, foreign, identity };
  }

  /**
   * While the backfill streams, runs the caught-up group again every `liveIntervalMs`, start to start: a
   * live run slowed down by the backfill's load does not also push the next one back.
   */
  private async keepFresh(
    live: readonly Target[],
    options: RunOptions,
    stop: AbortSignal,
    backfill: Promise<unknown>,
  ): Promise<GroupReport[]> {
    let backfilling = true;
    void backfill
      .finally(() => {
        backfilling = false;
      })
      .catch(() => {});
    const reports: GroupReport[] = [];
    const interval = this.options.liveIntervalMs ?? 500;
    do {
      const started = Date.now();
      const checkpoints = await this.checkpoints.read(this.db, this.name);
      const targets = live.map((t) => ({ ...t, checkpoint: checkpoints.get(t.version) ?? null }));
      reports.push(await this.runGroup(targets, { ...options, signal: stop }));
      const wait = interval - (Date.now() - started);
      if (backfilling && wait > 0) await Promise.race([sleep(wait), backfill.catch(() => {})]);
    } while (backfilling && !stop.aborted);
    return reports;
  }

  private async runGroup(
    targets: readonly VersionTarget<unknown>[],
    options: RunOptions,
    loader = this.loader,
    onChanges?: (changes: number) => void,
  ): Promise<GroupReport> {
    const counter: ReadCounter = { rowQueries: 0, rowQueryMs: 0 };
    let load = emptyStats();
    const summary = await runPipeline({
      reader: countingReader(this.reader, counter),
      targets,
      batchSize: this.options.batchSize ?? 1000,
      batchesInFlight: this.options.batchesInFlight ?? 2,
      normalise: this.definition.normalise ?? ((row) => row),
      stages: this.definition.stages ?? [],
      loader,
      commit: async (batch) => {
        await this.commit(batch, options.fence);
        load = addStats(load, batch.stats);
        onChanges?.(batch.changeCount);
        this.observe?.({
          type: 'batch',
          family: this.name,
          versions: batch.versions,
          changes: batch.changeCount,
          deadLetters: batch.deadLetters,
        });
        options.onBatch?.({ changes: batch.changeCount, operations: batch.operations.length });
      },
      settle: (finished) =>
        this.settle(
          targets.map((t) => t.version),
          finished,
          options.fence,
        ),
      signal: options.signal,
      halt: options.leaseLost,
    });
    const report: GroupReport = {
      versions: targets.map((t) => t.version),
      ...summary,
      rowQueries: counter.rowQueries,
      rowQueryMs: Math.round(counter.rowQueryMs),
      load,
    };
    options.onGroup?.(report);
    return report;
  }

  /**
   * Points the family's alias at a version that is live, not behind the serving one, and passes the
   * parity check against the source; with a `fence`, the lease is checked just before the alias moves.
   */
  promote(version: number, options: Pick<RunOptions, 'fence'> = {}) {
    const { fence } = options;
    return this.lifecycle.promote(version, fence ? () => fence(this.db) : undefined);
  }

  /**
   * Points the alias back at the version that served before (it stayed live); with a `fence`, the lease
   * is checked just before the alias moves.
   */
  rollback(options: Pick<RunOptions, 'fence'> = {}) {
    const { fence } = options;
    return this.lifecycle.rollback(fence ? () => fence(this.db) : undefined);
  }

  /**
   * Stops syncing a version and deletes its index after `graceMs`; with a `fence`, the lease is checked
   * just before the version is retired.
   */
  retire(version: number, graceMs = 24 * 3600_000, options: Pick<RunOptions, 'fence'> = {}) {
    const { fence } = options;
    return this.lifecycle.retire(version, graceMs, fence ? () => fence(this.db) : undefined);
  }

  /**
   * Compares each live or serving version (or one) with the source as of its checkpoint, by key ranges,
   * and repairs what differs. A version still backfilling is refused: its index is not complete yet.
   */
  async reconcile(version?: number): Promise<ReconcileReport[]> {
    const reconciler = this.reconciler();
    const stored = await this.versionStore.list(this.db, this.name);
    this.bases.update(stored);
    const states = new Map(stored.map((v) => [v.version, v.state]));
    const checkpoints = await this.checkpoints.read(this.db, this.name);
    const reconcilable = (state: string | undefined) => state === 'live' || state === 'serving';
    if (version !== undefined && !reconcilable(states.get(version))) {
      throw LifecycleRefusedError.reconcile(
        this.name,
        version,
        `it is ${states.get(version) ?? 'not declared'}: only live and serving versions can be reconciled.`,
      );
    }
    const chosen = this.targets.filter(
      (t) => (version === undefined || t.version === version) && reconcilable(states.get(t.version)),
    );
    await this.assertOwned(chosen);
    const reports: ReconcileReport[] = [];
    for (const t of chosen) {
      reports.push(
        await reconciler.reconcile(
          { version: t.version, index: t.index, filtered: t.filter !== undefined },
          checkpoints.get(t.version) ?? null,
        ),
      );
    }
    return reports;
  }

  deadLetters(query: Omit<DeadLetterQuery, 'family'> = {}): Promise<DeadLetter[]> {
    return this.deadLetterStore.list(this.db, { ...query, family: this.name });
  }

  /**
   * Sends dead letters again from the source as it is now (never from the stored copy, which may be
   * stale): present rows go through the family's stages and the version's transform, vanished rows
   * become deletes. Letters that now succeed are resolved; the others are recorded again. Letters of
   * retired versions are left alone; a version whose index is missing refuses the replay.
   */
  async replay(
    query: Omit<DeadLetterQuery, 'family'> = {},
    options: Pick<RunOptions, 'fence'> = {},
  ): Promise<ReplayReport> {
    const stored = await this.versionStore.list(this.db, this.name);
    this.bases.update(stored);
    const retired = new Set(stored.filter((v) => v.state === 'retired').map((v) => v.version));
    const letters = (await this.deadLetters({ ...query, includeResolved: false })).filter(
      (l) => !retired.has(l.version),
    );
    if (letters.length === 0) return { replayed: 0, resolved: 0, failed: 0 };
    await this.assertOwned(this.targets.filter((t) => letters.some((l) => l.version === t.version)));
    const current = await this.reader.readKeys(
      letters.flatMap((l) => {
        const key = parseDocumentId(this.source.keys, l.documentId);
        return key ? [key] : [];
      }),
    );
    const found = new Set(current.map((c) => c.id));
    const versions = new Set(letters.map((l) => l.version));
    const planned = await this.plan(
      current,
      this.targets.filter((t) => versions.has(t.version)).map((t) => ({ ...t, checkpoint: null })),
    );
    const wanted = new Set(letters.map((l) => `${l.version}:${l.documentId}`));
    const operations: IndexOperation[] = planned.operations.filter((op) =>
      wanted.has(`${op.version}:${op.id}`),
    );
    const failures: DeadLetterRecord[] = planned.deadLetters.filter((d) =>
      wanted.has(`${d.version}:${d.documentId}`),
    );
    for (const letter of letters) {
      const index = this.targets.find((t) => t.version === letter.version)?.index;
      if (found.has(letter.documentId) || !index) continue;
      operations.push({
        version: letter.version,
        index,
        id: letter.documentId,
        action: 'delete',
        rowVersion: letter.rowVersion,
      });
    }
    const result = await this.loader(operations);
    failures.push(...result.deadLetters);
    const failed = new Set(failures.map((f) => `${f.version}:${f.documentId}`));
    const resolved = letters.filter((l) => !failed.has(`${l.version}:${l.documentId}`)).map((l) => l.id);
    await this.db.transaction(async (tx) => {
      await options.fence?.(tx);
      await this.deadLetterStore.record(tx, this.name, failures);
      await this.deadLetterStore.resolve(tx, resolved);
    });
    return { replayed: letters.length, resolved: resolved.length, failed: failures.length };
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
  async horizonStatus(): Promise<HorizonStatus> {
    const horizon = await this.reader.horizon();
    const changesPastHorizon = await this.reader.countFrom(horizon);
    const mode = (this.definition.capture ?? exactCapture()).mode;
    const holder = mode === 'exact' ? await horizonHolder(this.db) : null;
    return { horizon, changesPastHorizon, holder };
  }

  /** Changes a run from the lowest checkpoint would read now, up to the horizon (for progress and ETA). */
  async pendingChanges(): Promise<number> {
    const checkpoints = await this.checkpoints.read(this.db, this.name);
    const positions = this.targets.map((t) => checkpoints.get(t.version) ?? null);
    const lowest = positions.includes(null)
      ? null
      : positions.reduce((a, b) => (comparePositions(this.source.keys, a!, b!) <= 0 ? a : b), positions[0]);
    return this.reader.countAfter(lowest, (await this.reader.bound()).below);
  }

  /** Which of these versions' indexes are missing, and which are not this state's. */
  private async inspectIndexes<T extends { readonly version: number; readonly index: string }>(
    targets: readonly T[],
  ) {
    const identity = await this.identities.current(this.db);
    return { identity, ...(await checkIndexes(this.client, this.name, targets, identity)) };
  }

  /** Refuses work on versions whose index is missing or not this state's, before anything is written. */
  private async assertOwned(targets: readonly Target[]): Promise<void> {
    const { missing, foreign, identity } = await this.inspectIndexes(targets);
    if (missing.length > 0) throw new IndexMissingError(this.name, missing);
    if (foreign.length > 0) throw new IndexNotOwnedError(this.name, foreign, identity);
  }

  private reconciler(): Reconciler {
    return new Reconciler(this.reader, this.client, this.loader, async (changes, version) => {
      const target = this.targets.find((t) => t.version === version)!;
      return (await this.plan(changes, [{ ...target, checkpoint: null }])).operations;
    });
  }

  private async commit(batch: LoadedBatch, fence?: RunOptions['fence']): Promise<void> {
    const failed = new Set(batch.deadLetters.map((d) => `${d.version}:${d.documentId}`));
    const resolveSuperseded = this.openDeadLetters;
    this.openDeadLetters ||= batch.deadLetters.length > 0;
    await this.db.transaction(async (tx) => {
      // First, so that an instance that lost its lease writes nothing at all.
      await fence?.(tx);
      if (resolveSuperseded) {
        const written = batch.operations.filter((op) => !failed.has(`${op.version}:${op.id}`));
        await this.deadLetterStore.resolveSuperseded(tx, this.name, written);
      }
      await this.deadLetterStore.record(tx, this.name, batch.deadLetters);
      if (batch.pending) {
        const checkpoint = { ...batch.end, pending: batch.pending };
        await this.checkpoints.advance(tx, this.name, batch.versions, checkpoint, this.source.keys);
      }
    });
  }

  /** Pending transactions all of whose changes are applied leave the versions' checkpoints. */
  private async settle(
    versions: readonly number[],
    finished: readonly number[],
    fence?: RunOptions['fence'],
  ) {
    await this.db.transaction(async (tx) => {
      await fence?.(tx);
      await this.checkpoints.settle(tx, this.name, versions, finished);
    });
  }
}

/** The run's report from its groups' reports: totals, and each group as it went. */
function summarise(
  family: string,
  groups: readonly GroupReport[],
  durationMs: number,
): Omit<RunReport, 'relatedParents'> {
  const sum = (pick: (g: GroupReport) => number) => groups.reduce((total, g) => total + pick(g), 0);
  return {
    family,
    versions: [...new Set(groups.flatMap((g) => g.versions))].sort((a, b) => a - b),
    groups,
    horizon: Math.max(0, ...groups.map((g) => g.horizon)),
    batches: sum((g) => g.batches),
    changes: sum((g) => g.changes),
    rowQueries: sum((g) => g.rowQueries),
    rowQueryMs: sum((g) => g.rowQueryMs),
    operations: sum((g) => g.operations),
    deadLetters: sum((g) => g.deadLetters),
    load: groups.reduce((total, g) => addStats(total, g.load), emptyStats()),
    durationMs: Math.round(durationMs),
  };
}
