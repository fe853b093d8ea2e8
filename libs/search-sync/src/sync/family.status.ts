import type { Client } from '@opensearch-project/opensearch';
import { type CapturedSource, inSnapshot } from '../capture/captured.source.js';
import { ChangeCounter } from '../capture/change.counter.js';
import { horizonHolder } from '../capture/horizon.inspect.js';
import type { CheckpointStore } from '../checkpoints/checkpoint.store.js';
import type { SyncDatabase } from '../database/database.type.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter.store.js';
import { type ChangePosition, comparePositions } from '../keys/change-position.js';
import { WHOLE_KEY_SPACE } from '../keys/key.range.js';
import type { BackfillPlan, BackfillPlanStore } from '../partitions/backfill-plan.store.js';
import { SourceRanges } from '../reconcile/source-ranges.js';
import type { VersionStore } from '../versions/version.store.js';
import { type BackfillInProcess, BackfillProgressReader } from './backfill-progress.reader.js';
import { readFailure } from './family.guard.js';
import type { DocumentExpectation, HorizonStatus, VersionStatus } from './sync.interface.js';

/** What status reads: the family's stores, source and versions. */
export interface StatusSources {
  readonly family: string;
  readonly db: SyncDatabase;
  readonly client: Client;
  readonly captured: CapturedSource;
  /** Whether the family uses exact capture (then a transaction holding the horizon back can be named). */
  readonly exact: boolean;
  readonly checkpoints: CheckpointStore;
  readonly versions: VersionStore;
  readonly deadLetters: DeadLetterStore;
  readonly targets: readonly {
    readonly version: number;
    readonly index: string;
    readonly filter?: unknown;
  }[];
  readonly backfill: () => BackfillInProcess | null;
  /** The family's backfill plans and their partitions, when its backfill is partitioned. */
  readonly backfillPlans?: BackfillPlanStore;
}

type Target = StatusSources['targets'][number];

const secondsSince = (date: Date | null | undefined) =>
  date ? Math.max(0, Math.round((Date.now() - date.getTime()) / 1000)) : 0;

/**
 * What a family's status shows. Per version: state, checkpoint, pending changes, lag, documents and
 * whether their count is what the checkpoint implies, open dead letters and backfill progress; for the
 * family: where the horizon stands and how many changes a run would read now.
 */
export class FamilyStatusReader {
  private readonly counter: ChangeCounter;
  private readonly ranges: SourceRanges;
  private readonly progress: BackfillProgressReader;

  constructor(private readonly s: StatusSources) {
    this.counter = new ChangeCounter(s.captured);
    this.ranges = new SourceRanges(s.captured);
    this.progress = new BackfillProgressReader(s.backfill);
  }

  /**
   * Where the horizon stands: how many changes wait behind it, and the transaction holding it back
   * when there is one (exact capture only).
   */
  async horizon(): Promise<HorizonStatus> {
    const horizon = await this.counter.horizon();
    const changesPastHorizon = await this.counter.countFrom(horizon);
    const holder = this.s.exact ? await horizonHolder(this.s.db) : null;
    return { horizon, changesPastHorizon, holder };
  }

  /** Changes a run from the lowest checkpoint would read now, up to the horizon (for progress and ETA). */
  async pendingChanges(): Promise<number> {
    const { db, family, captured } = this.s;
    const checkpoints = await this.s.checkpoints.read(db, family);
    const positions = this.s.targets.map((t) => checkpoints.get(t.version) ?? null);
    const lowest = positions.includes(null)
      ? null
      : positions.reduce((a, b) => (comparePositions(captured.keys, a!, b!) <= 0 ? a : b), positions[0]);
    return this.counter.countAfter(lowest, (await captured.capture.bound(db)).below);
  }

  read(): Promise<VersionStatus[]> {
    // Before the migrations the read fails on a missing table or column: the error names the migration.
    return this.readVersions().catch(async (error: unknown) => {
      const { db, family: name, captured } = this.s;
      throw await readFailure({ db, name, captured }, error);
    });
  }

  private async readVersions(): Promise<VersionStatus[]> {
    // The state on one snapshot: a read spanning a merge would otherwise see the checkpoint from before
    // it and the plan from after it (neither partitions nor a checkpoint: no progress at all).
    const versions = await inSnapshot(this.s.captured, (source) => this.readState(source));
    return Promise.all(
      versions.map(async ({ target, record, deadLetters, ...status }): Promise<VersionStatus> => {
        const caughtUp = status.state === 'live' || status.state === 'serving';
        const { documents, expected } = caughtUp
          ? await this.checkDocuments(target, status.checkpoint, deadLetters)
          : { documents: await this.count(target.index), expected: null };
        return {
          version: target.version,
          index: target.index,
          ...status,
          // A backfilling version lacks every change since the start of time: its lag is its age, not
          // the time since its checkpoint last moved (it has none, or moves all the time).
          lagSeconds: status.backfill
            ? secondsSince(record?.createdAt)
            : status.pendingChanges === 0
              ? 0
              : secondsSince(record?.moved),
          documents,
          expectedDocuments: expected,
          deadLetters,
        };
      }),
    );
  }

  /** What status reads from PostgreSQL, per version, through `source` (one snapshot of it). */
  private async readState(source: CapturedSource) {
    const { family, backfillPlans } = this.s;
    const { db } = source;
    const counter = new ChangeCounter(source);
    const [checkpoints, moved, stored, letters, plans, partitions] = await Promise.all([
      this.s.checkpoints.read(db, family),
      this.s.checkpoints.lastMoved(db, family),
      this.s.versions.list(db, family),
      this.s.deadLetters.countOpen(db, family),
      backfillPlans?.readPlans(db, family) ?? new Map<number, BackfillPlan>(),
      backfillPlans?.list(db, family) ?? [],
    ]);
    const records = new Map(stored.map((v) => [v.version, v]));
    const versions = [];
    for (const target of this.s.targets) {
      const record = records.get(target.version);
      const checkpoint = checkpoints.get(target.version) ?? null;
      const state = record?.state ?? 'created';
      // A retired version is synced no more: the changes since are not its to apply, so it lags by nothing.
      const pending = state === 'retired' ? 0 : await counter.countAfter(checkpoint);
      const backfilling = state === 'backfilling' || state === 'created';
      const plan = plans.get(target.version);
      versions.push({
        target,
        record: record && { createdAt: record.createdAt, moved: moved.get(target.version) },
        state,
        checkpoint,
        pendingChanges: pending,
        deadLetters: letters.get(target.version) ?? 0,
        backfill: backfilling
          ? await this.progress.read(target.version, pending, counter, plan && { plan, partitions })
          : null,
      });
    }
    return versions;
  }

  /** Documents in the index, or null if OpenSearch could not tell; `refresh` first makes it a count as of now. */
  private async count(index: string, refresh = false): Promise<number | null> {
    const { client } = this.s;
    if (refresh) await client.indices.refresh({ index }).catch(() => undefined);
    return client
      .count({ index })
      .then((r) => r.body.count as number)
      .catch(() => null);
  }

  /**
   * A caught-up version's document count, and the range its checkpoint implies: each source row at or
   * before the checkpoint has its document unless an open dead letter holds it, and no other document
   * exists but those of changes still pending and of deletes that failed; a filtered version may leave
   * any row out. The count is taken between two reads of the checkpoint: if a run moved it meanwhile, the
   * count is not compared (null). The index is refreshed first (cheap when nothing changed).
   */
  private async checkDocuments(
    target: Target,
    checkpoint: ChangePosition | null,
    deadLetters: number,
  ): Promise<{ documents: number | null; expected: DocumentExpectation | null }> {
    const { db, family, captured } = this.s;
    const [rows] = await this.ranges.stats([WHOLE_KEY_SPACE], checkpoint);
    const documents = await this.count(target.index, true);
    const [after, pending] = await Promise.all([
      this.s.checkpoints.read(db, family).then((c) => c.get(target.version) ?? null),
      this.counter.countAfter(checkpoint),
    ]);
    const unmoved =
      after === null || checkpoint === null
        ? after === checkpoint
        : comparePositions(captured.keys, after, checkpoint) === 0;
    if (documents === null || !unmoved) return { documents, expected: null };
    const slack = pending + deadLetters;
    const min = target.filter === undefined ? Math.max(0, rows.count - slack) : 0;
    const max = rows.count + slack;
    return { documents, expected: { min, max, matches: documents >= min && documents <= max } };
  }
}
