import type { Client } from '@opensearch-project/opensearch';
import type { SyncDatabase } from '../database/database.type.js';
import { LifecycleRefusedError } from '../errors/lifecycle.error.js';
import { messages } from '../errors/search-sync.messages.js';
import { UnknownVersionError } from '../errors/unknown-version.error.js';
import type { ChangePosition } from '../keys/change-position.js';
import { describeKeyRange } from '../keys/key.range.js';
import { type IndexDefinition, restoreDeclaredSettings } from '../opensearch/index.manager.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { VersionRecord, VersionStore } from '../versions/version.store.js';
import type { AliasStatus } from './alias.manager.js';
import { aliasTargets, pointAlias } from './alias.manager.js';

export interface LifecycleVersion extends IndexDefinition {
  readonly version: number;
  readonly filtered: boolean;
}

/** Where the family's versions stand, and how many changes lie past a checkpoint. */
export interface VersionProgress {
  checkpoints(): Promise<ReadonlyMap<number, ChangePosition>>;
  pendingAfter(checkpoint: ChangePosition | null): Promise<number>;
}

export interface VersionLifecycleOptions {
  readonly family: string;
  readonly db: SyncDatabase;
  readonly client: Client;
  readonly store: VersionStore;
  readonly versions: readonly LifecycleVersion[];
  /** Built when first needed: promotion checks parity with it, adopted versions are reconciled with it. */
  readonly reconciler: () => Reconciler;
  readonly progress: VersionProgress;
  /** How many pending changes still count as caught up (the sync keeps running while writers write). */
  readonly maxPending: number;
  /** The change order of checkpoints (it depends on the family's key columns). */
  readonly compare: (a: ChangePosition, b: ChangePosition) => number;
  /** Whether a version's index is this state's, or missing (another state may have adopted it since). */
  readonly owns: (version: number, index: string) => Promise<boolean>;
}

/**
 * A family's versions through created → backfilling → live → serving → retired, with the alias (the
 * family name) moved in single `_aliases` requests. Promotion is gated on being caught up and on parity
 * with the source; the previous serving version stays live for rollback until it is retired.
 */
export class VersionLifecycle {
  constructor(private readonly options: VersionLifecycleOptions) {}

  /**
   * Backfilled versions get their declared settings back, adopted ones are reconciled, and they go live;
   * a family with no alias gets one.
   */
  async caughtUp(versions: readonly number[]): Promise<void> {
    const stored = await this.records();
    const caught = versions.filter((v) => ['created', 'backfilling'].includes(stored.get(v)?.state ?? ''));
    // At once: each restore ends with a refresh, which can take a good part of a second on a large index.
    await Promise.all(caught.map((v) => restoreDeclaredSettings(this.options.client, this.definition(v))));
    await this.reconcileAdopted(caught);
    for (const version of caught)
      await this.options.store.setState(this.options.db, this.options.family, version, 'live');
    await this.ensureServing();
  }

  /**
   * Reconciles those of `versions` whose index was adopted and not reconciled since: before they are
   * used, since the backfill rewrote the rows of the source but not the documents only the previous
   * owner had, and a live version's documents may all be the previous owner's. Call it holding the lease.
   */
  async reconcileAdopted(versions: readonly number[]): Promise<void> {
    const adopted = [...(await this.records()).values()].filter(
      (v) => v.adoptedFrom !== null && versions.includes(v.version),
    );
    if (adopted.length === 0) return;
    const checkpoints = await this.options.progress.checkpoints();
    for (const { version } of adopted) {
      const { index, filtered } = this.definition(version);
      const report = await this.options
        .reconciler()
        .reconcile({ version, index, filtered }, checkpoints.get(version) ?? null);
      // Repairs refused (a previous owner's delete a moment ago holds a higher version) are tried again next run.
      if (report.failed === 0)
        await this.options.store.reconciled(this.options.db, this.options.family, version);
    }
  }

  /** The first version to go live (lowest number first) serves when the family has no alias yet. */
  async ensureServing(): Promise<void> {
    const stored = [...(await this.records()).values()];
    if (stored.some((v) => v.state === 'serving')) return;
    const first = stored.filter((v) => v.state === 'live').sort((a, b) => a.version - b.version)[0];
    if (!first || (await aliasTargets(this.options.client, this.options.family)).length > 0) return;
    await pointAlias(this.options.client, this.options.family, first.indexName);
    await this.options.store.promote(this.options.db, this.options.family, first.version);
  }

  /**
   * Where the alias points, beside the version recorded as serving. The alias is never moved but by
   * promote and rollback: one moved by hand, or made by another deployment, is reported, not corrected.
   */
  async aliasStatus(): Promise<AliasStatus> {
    const record = [...(await this.records()).values()].find((v) => v.state === 'serving');
    const indexes = await aliasTargets(this.options.client, this.options.family);
    const serving = record ? { version: record.version, index: record.indexName } : null;
    const matches = serving ? indexes.length === 1 && indexes[0] === serving.index : indexes.length === 0;
    return { alias: this.options.family, indexes, serving, matches };
  }

  /** Call it holding the family's lease: the parity check needs the index to stand still. */
  async promote(
    version: number,
    /** Runs just before the alias moves: the lease check, so an instance that lost it moves nothing. */
    beforeSwap: () => Promise<void> = async () => {},
  ): Promise<{ alias: string; index: string; previous: string | null }> {
    const stored = await this.records();
    const record = stored.get(version);
    const definition = this.definition(version);
    if (!record)
      throw LifecycleRefusedError.promote(this.options.family, version, messages.versionNotRegistered());
    if (record.state === 'serving')
      throw LifecycleRefusedError.promote(this.options.family, version, 'it already serves.');
    if (record.state !== 'live') {
      throw LifecycleRefusedError.promote(
        this.options.family,
        version,
        `it is ${record.state}, not live: let its backfill reach the head first.`,
      );
    }
    const checkpoints = await this.options.progress.checkpoints();
    const checkpoint = checkpoints.get(version) ?? null;
    const pending = await this.options.progress.pendingAfter(checkpoint);
    if (!checkpoint || pending > this.options.maxPending) {
      throw LifecycleRefusedError.promote(
        this.options.family,
        version,
        `it is behind: ${pending} changes are not applied yet (at most ${this.options.maxPending} may be); run a sync first.`,
      );
    }
    // A document the serving version shows must be in the new one too: a row first written past the new
    // version's checkpoint would vanish from search until the next run, and parity cannot see it (it
    // leaves changes past the checkpoint out). One run after going live reads both together.
    const serving = [...stored.values()].find((v) => v.state === 'serving');
    const servingCheckpoint = serving ? checkpoints.get(serving.version) : undefined;
    if (serving && servingCheckpoint && this.options.compare(checkpoint, servingCheckpoint) < 0) {
      throw LifecycleRefusedError.promote(
        this.options.family,
        version,
        `it is behind the serving version ${serving.version} (checkpoint ${checkpoint.changeKey} < ${servingCheckpoint.changeKey}): run a sync first, which reads both together.`,
      );
    }
    const differences = await this.options
      .reconciler()
      .parity({ version, index: definition.index, filtered: definition.filtered }, checkpoint);
    if (differences.length > 0) {
      const [first] = differences;
      throw LifecycleRefusedError.promote(
        this.options.family,
        version,
        `the parity check failed in ${differences.length} key range(s), e.g. ${describeKeyRange(first.range)}: ` +
          `source ${first.source.count} documents, index ${first.index.count}. Run reconcile, then promote again.`,
      );
    }
    const previous = serving?.indexName ?? null;
    await beforeSwap();
    await pointAlias(this.options.client, this.options.family, definition.index);
    await this.options.store.promote(this.options.db, this.options.family, version);
    return { alias: this.options.family, index: definition.index, previous };
  }

  /**
   * Points the alias back at the version that served before the current one (it stayed live). The
   * version it leaves is no rollback target any more: a second rollback goes one promotion further back,
   * or, with none left live, is refused ("nothing to roll back"); it never moves the alias forward.
   */
  async rollback(
    /** Runs just before the alias moves: the lease check, so an instance that lost it moves nothing. */
    beforeSwap: () => Promise<void> = async () => {},
  ): Promise<{ alias: string; index: string }> {
    const stored = [...(await this.records()).values()];
    const serving = stored.find((v) => v.state === 'serving');
    const previous = stored
      .filter((v) => v.state === 'live' && v.promotedAt !== null && v.version !== serving?.version)
      .sort((a, b) => b.promotedAt!.getTime() - a.promotedAt!.getTime())[0];
    if (!previous)
      throw LifecycleRefusedError.nothingToRollBack(this.options.family, serving?.version ?? null);
    await beforeSwap();
    await pointAlias(this.options.client, this.options.family, previous.indexName);
    await this.options.store.promote(this.options.db, this.options.family, previous.version, {
      rollBack: true,
    });
    return { alias: this.options.family, index: previous.indexName };
  }

  /** Stops syncing a version; its index is deleted once the grace period has passed (at a later run). */
  async retire(
    version: number,
    graceMs: number,
    /** Runs just before the version is retired: the lease check, so an instance that lost it changes nothing. */
    beforeRetire: () => Promise<void> = async () => {},
  ): Promise<void> {
    const record = (await this.records()).get(version);
    if (!record)
      throw LifecycleRefusedError.retire(this.options.family, version, messages.versionNotRegistered());
    if (record.state === 'serving') {
      throw LifecycleRefusedError.retire(
        this.options.family,
        version,
        'it serves the alias: promote another version first.',
      );
    }
    await beforeRetire();
    await this.options.store.setState(this.options.db, this.options.family, version, 'retired', {
      deleteAfterMs: graceMs,
    });
    if (graceMs <= 0) await this.deleteExpired();
  }

  /**
   * Deletes the indexes of retired versions whose grace period is over; one that another state adopted
   * meanwhile is not this state's to delete, and is left alone.
   */
  async deleteExpired(): Promise<string[]> {
    const now = Date.now();
    const expired = [...(await this.records()).values()].filter(
      (v) => v.state === 'retired' && v.deleteAfter !== null && v.deleteAfter.getTime() <= now,
    );
    const deleted: string[] = [];
    for (const version of expired) {
      if (await this.options.owns(version.version, version.indexName)) {
        await this.options.client.indices.delete({ index: version.indexName }, { ignore: [404] });
        deleted.push(version.indexName);
      }
      await this.options.store.setState(this.options.db, this.options.family, version.version, 'retired', {
        deleteAfterMs: null,
      });
    }
    return deleted;
  }

  private async records(): Promise<Map<number, VersionRecord>> {
    return new Map(
      (await this.options.store.list(this.options.db, this.options.family)).map((v) => [v.version, v]),
    );
  }

  private definition(version: number): LifecycleVersion {
    const definition = this.options.versions.find((v) => v.version === version);
    if (!definition) {
      const declared = this.options.versions.map((v) => v.version);
      throw new UnknownVersionError(this.options.family, version, declared);
    }
    return definition;
  }
}
