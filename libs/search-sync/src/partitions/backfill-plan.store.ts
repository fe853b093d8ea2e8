import { type SQL, sql } from 'drizzle-orm';
import { transactionIds } from '../capture/change-position.sql.js';
import { keyJsonSql } from '../capture/key.sql.js';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import type { Checkpoint } from '../keys/change-position.js';
import type { KeyRange } from '../keys/key.range.js';
import type { KeyValue } from '../keys/key.types.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import type { PartitionState } from '../state/tables/backfill-partition.table.js';

/** A version's partitioned backfill: its low watermark, the rows it was cut for, whether it has merged. */
export interface BackfillPlan {
  readonly version: number;
  readonly watermark: Checkpoint;
  readonly rows: number;
  readonly createdAt: Date;
  readonly mergedAt: Date | null;
}

/** A watermark as the plans table stores it, selected with `WATERMARK_COLUMNS`. */
export type StoredWatermark = {
  readonly change_key: string;
  readonly key: KeyValue[];
  readonly pending: string[];
};

/** The columns of a plan's watermark, as `watermarkOf` reads them (`plan` names the plans table). */
export const watermarkColumns = (plan: SQL) =>
  sql`${plan}.change_key::text as change_key, ${plan}.key, ${plan}.pending::text[] as pending`;

export const watermarkOf = (row: StoredWatermark): Checkpoint => ({
  changeKey: Number(row.change_key),
  key: row.key,
  pending: row.pending.map(Number),
});

/** A partition as status shows it. */
export interface PartitionRecord {
  readonly version: number;
  readonly partition: number;
  readonly state: PartitionState;
  readonly holder: string | null;
  readonly token: number;
  /** Whether a claimed partition's claim has run out (its holder died or stalled): anyone may take it. */
  readonly expired: boolean;
  readonly rows: number;
  readonly claimRows: number;
  /** Seconds the current holder has held it (to its last commit, or to done). */
  readonly claimSeconds: number;
}

/**
 * The plans of partitioned backfills, in Postgres, and where their partitions stand: what the lease
 * holder records, merges and status reads. A plan is recorded once, with its partitions all waiting;
 * the claims on those partitions, while holders work them, are `PartitionStore`'s.
 */
export class BackfillPlanStore {
  private readonly plans: SQL;
  private readonly partitions: SQL;

  constructor(stateSchema: string = DEFAULT_STATE_SCHEMA) {
    const schema = sql.identifier(stateSchema);
    this.plans = sql`${schema}.backfill_plans`;
    this.partitions = sql`${schema}.backfill_partitions`;
  }

  /**
   * Records a version's plan and its partitions, unless it has one already (then nothing changes);
   * returns whether this call made it.
   */
  async plan(
    db: SyncExecutor,
    family: string,
    version: number,
    plan: { readonly watermark: Checkpoint; readonly rows: number; readonly ranges: readonly KeyRange[] },
  ): Promise<boolean> {
    const { watermark, rows, ranges } = plan;
    const made = await queryRows(
      db,
      sql`insert into ${this.plans} (family, version, change_key, key, pending, rows)
        values (${family}, ${version}, ${watermark.changeKey}::bigint, ${keyJsonSql(watermark.key)},
          ${transactionIds(watermark.pending ?? [])}, ${Math.round(rows)}::bigint)
        on conflict (family, version) do nothing returning 1`,
    );
    if (made.length === 0) return false;
    // A table without rows at the watermark has nothing for partitions: the plan merges at once.
    if (ranges.length === 0) return true;
    await db.execute(
      sql`insert into ${this.partitions} (family, version, partition, after, up_to) values ${sql.join(
        ranges.map(
          (r, i) =>
            sql`(${family}, ${version}::int, ${i}::int, ${keyJsonSql(r.after)}, ${keyJsonSql(r.upTo)})`,
        ),
        sql`, `,
      )}`,
    );
    return true;
  }

  async readPlans(db: SyncExecutor, family: string): Promise<Map<number, BackfillPlan>> {
    const rows = await queryRows<
      StoredWatermark & {
        version: number;
        rows: string;
        created_at: string | Date;
        merged_at: string | Date | null;
      }
    >(
      db,
      sql`select version, ${watermarkColumns(this.plans)}, rows::text as rows, created_at, merged_at
        from ${this.plans} where family = ${family}`,
    );
    return new Map(
      rows.map((r) => [
        r.version,
        {
          version: r.version,
          watermark: watermarkOf(r),
          rows: Number(r.rows),
          createdAt: new Date(r.created_at),
          mergedAt: r.merged_at === null ? null : new Date(r.merged_at),
        },
      ]),
    );
  }

  /** Partitions of the version not done yet. */
  async remaining(db: SyncExecutor, family: string, version: number): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from ${this.partitions}
        where family = ${family} and version = ${version} and state <> 'done'`,
    );
    return row.n;
  }

  /** Records that the version's checkpoint was set to its watermark: the plan is over. */
  async markMerged(db: SyncExecutor, family: string, version: number): Promise<void> {
    await db.execute(
      sql`update ${this.plans} set merged_at = now() where family = ${family} and version = ${version}`,
    );
  }

  async list(db: SyncExecutor, family: string): Promise<PartitionRecord[]> {
    const rows = await queryRows<{
      version: number;
      partition: number;
      state: PartitionState;
      holder: string | null;
      token: string;
      expired: boolean;
      rows: string;
      claim_rows: string;
      claim_seconds: number | null;
    }>(
      db,
      sql`select version, partition, state, holder, token::text as token,
          coalesce(state = 'claimed' and expires_at <= now(), false) as expired,
          rows::text as rows, claim_rows::text as claim_rows,
          extract(epoch from coalesce(done_at, updated_at) - claimed_at)::float8 as claim_seconds
        from ${this.partitions} where family = ${family} order by version, partition`,
    );
    return rows.map((r) => ({
      version: r.version,
      partition: r.partition,
      state: r.state,
      holder: r.holder,
      token: Number(r.token),
      expired: r.expired,
      rows: Number(r.rows),
      claimRows: Number(r.claim_rows),
      claimSeconds: Math.max(0, r.claim_seconds ?? 0),
    }));
  }
}
