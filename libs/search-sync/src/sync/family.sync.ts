import type { Client } from '@opensearch-project/opensearch';
import { sql } from 'drizzle-orm';
import { DrizzleChangeReader } from '../capture/change.reader.js';
import { assertChangeCaptureInstalled } from '../capture/change-capture.migration.js';
import { exactCapture } from '../capture/change-capture.mode.js';
import { horizonHolder } from '../capture/horizon.inspect.js';
import { CheckpointStore } from '../checkpoints/checkpoint.store.js';
import type { SyncDatabase } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import type { DeadLetter, DeadLetterQuery } from '../dead-letters/dead-letter.interface.js';
import { DeadLetterStore } from '../dead-letters/dead-letter.store.js';
import { DefinitionChangedError } from '../errors/definition-changed.error.js';
import { StateNotInstalledError } from '../errors/state-not-installed.error.js';
import { versionDefinitionHash } from '../family/definition.hash.js';
import type { FamilyDefinition } from '../family/family.definition.js';
import { validateFamily, versionIndexName } from '../family/family.validate.js';
import { describeSource, type SyncSource } from '../family/sync-source.js';
import { BulkLoader } from '../opensearch/bulk.loader.js';
import { ensureIndex } from '../opensearch/index.manager.js';
import type { KeyValue } from '../pipeline/change-position.js';
import type { Loader } from '../pipeline/load.stage.js';
import type {
  ChangeBatch,
  DeadLetterRecord,
  IndexOperation,
  LoadedBatch,
  LoadStats,
  VersionTarget,
} from '../pipeline/pipeline.interface.js';
import { runPipeline } from '../pipeline/pipeline.js';
import { route } from '../pipeline/route.stage.js';
import { transform } from '../pipeline/transform.stage.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import { VersionStore } from '../versions/version.store.js';
import type {
  HorizonStatus,
  ReplayReport,
  RunOptions,
  RunReport,
  SyncOptions,
  VersionStatus,
} from './sync.interface.js';

type Target = Omit<VersionTarget<unknown>, 'checkpoint'> & {
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
  rejected: 0,
});

function addStats(total: LoadStats, more: LoadStats): LoadStats {
  const sum = { ...total };
  for (const key of Object.keys(sum) as (keyof LoadStats)[]) sum[key] += more[key];
  return sum;
}

/**
 * One family, wired to the user's database and OpenSearch client: the stores, the change reader and
 * the bulk loader around the framework-free pipeline. The Nest layer builds one per declared family.
 */
export class FamilySync {
  readonly name: string;
  readonly source: SyncSource;
  private readonly db: SyncDatabase;
  private readonly client: Client;
  private readonly stateSchema: string;
  private readonly reader: DrizzleChangeReader;
  private readonly loader: Loader;
  private readonly targets: readonly Target[];
  private readonly checkpoints: CheckpointStore;
  private readonly deadLetterStore: DeadLetterStore;
  private readonly versionStore: VersionStore;
  private rowQueries = 0;
  private rowQueryMs = 0;
  /** Whether open dead letters may exist, so commits only look for superseded ones when they can. */
  private openDeadLetters = true;

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
      onRowQuery: (durationMs) => {
        this.rowQueries++;
        this.rowQueryMs += durationMs;
      },
    });
    const bulk = new BulkLoader(options.client, options.bulk);
    const loader: Loader = (operations) => bulk.load(operations);
    this.loader = options.wrapLoader ? options.wrapLoader(loader) : loader;
    this.targets = definition.versions.map((v) => ({
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
  }

  get versions(): readonly { version: number; index: string }[] {
    return this.targets;
  }

  /**
   * Checks what a run needs before any runs: the state tables and change capture are installed, and no
   * version's definition changed since it was created. Registers new versions and creates their indexes.
   */
  async prepare(): Promise<void> {
    const [state] = await queryRows<{ ready: boolean }>(
      this.db,
      sql`select to_regclass(${`"${this.stateSchema}".versions`}) is not null
        and to_regclass(${`"${this.stateSchema}".runs`}) is not null as ready`,
    );
    if (!state.ready) throw new StateNotInstalledError(this.stateSchema);
    if ((this.definition.capture ?? exactCapture()).tombstones) {
      await assertChangeCaptureInstalled(this.db, this.source, this.stateSchema);
    }
    await this.versionStore.register(
      this.db,
      this.targets.map((t) => ({
        family: this.name,
        version: t.version,
        indexName: t.index,
        definitionHash: t.definitionHash,
      })),
    );
    const stored = new Map((await this.versionStore.list(this.db, this.name)).map((v) => [v.version, v]));
    for (const target of this.targets) {
      if (stored.get(target.version)?.definitionHash !== target.definitionHash) {
        throw new DefinitionChangedError(this.name, target.version);
      }
    }
    for (const target of this.targets) {
      await ensureIndex(this.client, {
        index: target.index,
        mappings: target.mappings,
        settings: target.settings,
      });
    }
  }

  /** One run from the lowest checkpoint to the horizon. */
  async run(options: RunOptions = {}): Promise<RunReport> {
    const started = performance.now();
    const queriesBefore = this.rowQueries;
    const queryMsBefore = this.rowQueryMs;
    const checkpoints = await this.checkpoints.read(this.db, this.name);
    this.openDeadLetters = await this.deadLetterStore.hasOpen(this.db, this.name);
    let load = emptyStats();
    const summary = await runPipeline({
      reader: this.reader,
      targets: this.targets.map((t) => ({ ...t, checkpoint: checkpoints.get(t.version) ?? null })),
      batchSize: this.options.batchSize ?? 1000,
      batchesInFlight: this.options.batchesInFlight ?? 2,
      normalise: this.definition.normalise ?? ((row) => row),
      stages: this.definition.stages ?? [],
      loader: this.loader,
      commit: async (batch) => {
        await this.commit(batch, options.fence);
        load = addStats(load, batch.stats);
        options.onBatch?.({ changes: batch.changeCount, operations: batch.operations.length });
      },
      signal: options.signal,
    });
    return {
      family: this.name,
      versions: this.targets.map((t) => t.version),
      ...summary,
      rowQueries: this.rowQueries - queriesBefore,
      rowQueryMs: Math.round(this.rowQueryMs - queryMsBefore),
      load,
      durationMs: Math.round(performance.now() - started),
    };
  }

  deadLetters(query: Omit<DeadLetterQuery, 'family'> = {}): Promise<DeadLetter[]> {
    return this.deadLetterStore.list(this.db, { ...query, family: this.name });
  }

  /**
   * Sends dead letters again from the source as it is now (never from the stored copy, which may be
   * stale): present rows go through the family's stages and the version's transform, vanished rows
   * become deletes. Letters that now succeed are resolved; the others are recorded again.
   */
  async replay(query: Omit<DeadLetterQuery, 'family'> = {}): Promise<ReplayReport> {
    const letters = await this.deadLetters({ ...query, includeResolved: false });
    if (letters.length === 0) return { replayed: 0, resolved: 0, failed: 0 };
    const keys = new Map<string, KeyValue[]>(
      letters.map((l) => [l.documentId, this.parseDocumentId(l.documentId)]),
    );
    const current = await this.reader.readKeys([...keys.values()]);
    const found = new Set(current.map((c) => c.id));
    const batch: ChangeBatch<unknown> = {
      sequence: 0,
      end: current[0]?.position ?? { changeKey: 0, key: [] },
      changes: current.map((c) => ({ ...c, record: c.record === null ? null : this.normaliseRow(c.record) })),
    };
    let enriched: AsyncIterable<ChangeBatch<unknown>> = (async function* () {
      yield batch;
    })();
    for (const stage of this.definition.stages ?? []) enriched = stage(enriched);
    const versions = new Set(letters.map((l) => l.version));
    const targets = this.targets
      .filter((t) => versions.has(t.version))
      .map((t) => ({ ...t, checkpoint: null }));
    const operations: IndexOperation[] = [];
    const failures: DeadLetterRecord[] = [];
    for await (const planned of transform()(route(this.source.keys, targets)(enriched))) {
      const wanted = new Set(letters.map((l) => `${l.version}:${l.documentId}`));
      operations.push(...planned.operations.filter((op) => wanted.has(`${op.version}:${op.id}`)));
      failures.push(...planned.deadLetters.filter((d) => wanted.has(`${d.version}:${d.documentId}`)));
    }
    for (const letter of letters) {
      if (found.has(letter.documentId)) continue;
      const index = this.targets.find((t) => t.version === letter.version)?.index;
      if (index) {
        operations.push({
          version: letter.version,
          index,
          id: letter.documentId,
          action: 'delete',
          rowVersion: letter.rowVersion,
        });
      }
    }
    const result = await this.loader(operations);
    failures.push(...result.deadLetters);
    const failed = new Set(failures.map((f) => `${f.version}:${f.documentId}`));
    const resolved = letters.filter((l) => !failed.has(`${l.version}:${l.documentId}`)).map((l) => l.id);
    await this.db.transaction(async (tx) => {
      await this.deadLetterStore.record(tx, this.name, failures);
      await this.deadLetterStore.resolve(tx, resolved);
    });
    return { replayed: letters.length, resolved: resolved.length, failed: failures.length };
  }

  /** Per version: state, checkpoint, pending changes, lag, documents and open dead letters. */
  async status(): Promise<VersionStatus[]> {
    const [checkpoints, moved, stored, letters] = await Promise.all([
      this.checkpoints.read(this.db, this.name),
      this.checkpoints.lastMoved(this.db, this.name),
      this.versionStore.list(this.db, this.name),
      this.deadLetterStore.countOpen(this.db, this.name),
    ]);
    const states = new Map(stored.map((v) => [v.version, v.state]));
    return Promise.all(
      this.targets.map(async (target): Promise<VersionStatus> => {
        const checkpoint = checkpoints.get(target.version) ?? null;
        const pending = await this.reader.countAfter(checkpoint);
        const lastMoved = moved.get(target.version);
        const documents = await this.client
          .count({ index: target.index })
          .then((r) => r.body.count as number)
          .catch(() => null);
        return {
          version: target.version,
          index: target.index,
          state: states.get(target.version) ?? 'created',
          checkpoint,
          pendingChanges: pending,
          lagSeconds: pending === 0 || !lastMoved ? 0 : Math.round((Date.now() - lastMoved.getTime()) / 1000),
          documents,
          deadLetters: letters.get(target.version) ?? 0,
        };
      }),
    );
  }

  /**
   * Where the horizon stands: how many changes wait behind it, and the transaction holding it back
   * when there is one (exact capture only).
   */
  async horizonStatus(): Promise<HorizonStatus> {
    const horizon = await this.reader.horizon();
    const waiting = await this.reader.countAfter({ changeKey: horizon - 1, key: [] });
    const mode = (this.definition.capture ?? exactCapture()).mode;
    const holder = waiting > 0 && mode === 'exact' ? await horizonHolder(this.db) : null;
    return { horizon, waitingChanges: waiting, holder };
  }

  /** Changes a run from the lowest checkpoint would read now, up to the horizon (for progress and ETA). */
  async pendingChanges(): Promise<number> {
    const checkpoints = await this.checkpoints.read(this.db, this.name);
    const positions = this.targets.map((t) => checkpoints.get(t.version) ?? null);
    const lowest = positions.includes(null)
      ? null
      : positions.reduce((a, b) => (a!.changeKey <= b!.changeKey ? a : b), positions[0]);
    return this.reader.countAfter(lowest, await this.reader.horizon());
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
      await this.checkpoints.advance(tx, this.name, batch.versions, batch.end, this.source.keys);
    });
  }

  private normaliseRow(row: unknown): unknown {
    return this.definition.normalise ? this.definition.normalise(row) : row;
  }

  private parseDocumentId(id: string): KeyValue[] {
    const { keys } = this.source;
    const parts = keys.length === 1 ? [id] : id.split(':');
    return keys.map((k, i) => (k.kind === 'number' ? Number(parts[i]) : parts[i]));
  }
}
