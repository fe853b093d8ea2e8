import { and, eq, ne, sql } from 'drizzle-orm';
import { transaction } from '../database/database.transaction.js';
import type { SyncDatabase } from '../database/database.type.js';
import type { IndexOwner } from '../errors/ownership.types.js';
import { DEFAULT_STATE_SCHEMA, type StateTables, stateTables } from '../state/state.schema.js';
import type { SampledDocument, VersionState } from '../state/tables/version.table.js';

export interface VersionRecord {
  readonly family: string;
  readonly version: number;
  readonly indexName: string;
  readonly state: VersionState;
  readonly definitionHash: string;
  readonly promotedAt: Date | null;
  readonly deleteAfter: Date | null;
  /** What the version made of a few rows when it was created (see `version.sample.ts`). */
  readonly sample: readonly SampledDocument[] | null;
  /** Added to the row version of every write to its index (an adopted index holds higher versions). */
  readonly versionBase: number;
  /** While an adopted index is not reconciled yet: the owner it had. */
  readonly adoptedFrom: { readonly owner: IndexOwner | null } | null;
  readonly createdAt: Date;
}

/** Versions as stored: their lifecycle state and the hash of the definition they were created with. */
export class VersionStore {
  private readonly tables: StateTables;

  constructor(stateSchema: string = DEFAULT_STATE_SCHEMA) {
    this.tables = stateTables(stateSchema);
  }

  async list(db: SyncDatabase, family: string): Promise<VersionRecord[]> {
    const { versions } = this.tables;
    const rows = await db
      .select()
      .from(versions)
      .where(eq(versions.family, family))
      .orderBy(versions.version);
    return rows.map((row) => ({ ...row, adoptedFrom: row.adoptedFrom as VersionRecord['adoptedFrom'] }));
  }

  /**
   * Serialises the registrations of a family until the transaction ends: an instance booting beside
   * another checks its definitions against what the other registered, not against what it has not yet.
   */
  async lock(tx: SyncDatabase, family: string): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`search-sync:versions:${family}`}))`);
  }

  /** Records versions seen for the first time (state `created`); existing ones are left as they are. */
  async register(
    db: SyncDatabase,
    records: readonly Pick<VersionRecord, 'family' | 'version' | 'indexName' | 'definitionHash'>[],
  ): Promise<void> {
    if (records.length === 0) return;
    const { versions } = this.tables;
    await db
      .insert(versions)
      .values(records.map((r) => ({ ...r, state: 'created' as const })))
      .onConflictDoNothing();
  }

  async setSample(db: SyncDatabase, family: string, version: number, sample: readonly SampledDocument[]) {
    await this.set(db, family, version, { sample });
  }

  /** Replaces a hash stored by an earlier library version with today's hash of the same definition. */
  async setDefinitionHash(db: SyncDatabase, family: string, version: number, definitionHash: string) {
    await this.set(db, family, version, { definitionHash });
  }

  private async set(
    db: SyncDatabase,
    family: string,
    version: number,
    values: { sample?: readonly SampledDocument[]; definitionHash?: string },
  ) {
    const { versions } = this.tables;
    await db
      .update(versions)
      .set({ ...values, updatedAt: sql`now()` })
      .where(and(eq(versions.family, family), eq(versions.version, version)));
  }

  /**
   * Records the adoption of a version's index: the base its writes need from now on, and the owner it had
   * until reconcile has made it equal to the source (`reconciled`).
   */
  async adopt(
    db: SyncDatabase,
    family: string,
    version: number,
    adoption: { versionBase: number; owner: IndexOwner | null },
  ) {
    const { versions } = this.tables;
    await db
      .update(versions)
      .set({
        versionBase: adoption.versionBase,
        adoptedFrom: { owner: adoption.owner },
        updatedAt: sql`now()`,
      })
      .where(and(eq(versions.family, family), eq(versions.version, version)));
  }

  /** An adopted version whose index reconcile has made equal to the source. */
  async reconciled(db: SyncDatabase, family: string, version: number) {
    const { versions } = this.tables;
    await db
      .update(versions)
      .set({ adoptedFrom: null, updatedAt: sql`now()` })
      .where(and(eq(versions.family, family), eq(versions.version, version)));
  }

  async setState(
    db: SyncDatabase,
    family: string,
    version: number,
    state: VersionState,
    extra: { deleteAfterMs?: number | null } = {},
  ): Promise<void> {
    const { versions } = this.tables;
    await db
      .update(versions)
      .set({
        state,
        updatedAt: sql`now()`,
        ...(extra.deleteAfterMs === undefined
          ? {}
          : {
              deleteAfter:
                extra.deleteAfterMs === null
                  ? null
                  : sql`now() + ${extra.deleteAfterMs}::int * interval '1 millisecond'`,
            }),
      })
      .where(and(eq(versions.family, family), eq(versions.version, version)));
  }

  /**
   * Makes `version` the serving one and the one serving before it live, in one transaction; only a
   * live version can be promoted. Returns whether it was: otherwise nothing changes. With `rollBack`, the
   * version left is no longer one a rollback goes back to (its `promotedAt` is cleared), so rollbacks
   * walk back through the promotions and never forward again.
   */
  async promote(
    db: SyncDatabase,
    family: string,
    version: number,
    { rollBack = false }: { rollBack?: boolean } = {},
  ): Promise<boolean> {
    const { versions } = this.tables;
    return transaction(db, async (tx) => {
      const promoted = await tx
        .update(versions)
        .set({ state: 'serving', promotedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(versions.family, family), eq(versions.version, version), eq(versions.state, 'live')))
        .returning({ version: versions.version });
      if (promoted.length === 0) return false;
      await tx
        .update(versions)
        .set({ state: 'live', updatedAt: sql`now()`, ...(rollBack ? { promotedAt: null } : {}) })
        .where(
          and(eq(versions.family, family), eq(versions.state, 'serving'), ne(versions.version, version)),
        );
      return true;
    });
  }
}
