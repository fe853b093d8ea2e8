import { type SQL, sql } from 'drizzle-orm';
import { transactionIds } from '../capture/change-position.sql.js';
import { storedKeySql } from '../capture/key.sql.js';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import type { KeyColumn } from '../family/sync-source.js';
import type { KeyRange } from '../keys/key.range.js';
import type { Checkpoint, KeyValue } from '../pipeline/change-position.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import type { PartitionState } from '../state/tables/backfill-partition.table.js';

/** A partition as one holder claimed it: its range, where it stands, and the token its writes check. */
export interface PartitionClaim {
  readonly family: string;
  readonly version: number;
  readonly partition: number;
  readonly range: KeyRange;
  /** The last key applied (by any holder), or null to start at the range's beginning. */
  readonly cursor: readonly KeyValue[] | null;
  readonly holder: string;
  readonly token: number;
}

/** A version's partitioned backfill: its low watermark, the rows it was cut for, whether it has merged. */
export interface BackfillPlan {
  readonly version: number;
  readonly watermark: Checkpoint;
  readonly rows: number;
  readonly createdAt: Date;
  readonly mergedAt: Date | null;
}

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

type Row = {
  partition: number;
  after: KeyValue[] | null;
  up_to: KeyValue[] | null;
  cursor: KeyValue[] | null;
};

const json = (key: readonly KeyValue[] | null) =>
  key === null ? sql`null` : sql`${JSON.stringify(key)}::jsonb`;
const ttl = (ttlMs: number) => sql`now() + ${Math.round(ttlMs)}::int * interval '1 millisecond'`;

/**
 * The plans and partitions of partitioned backfills, in Postgres: a partition is claimed by one holder
 * at a time (`for update skip locked`, so claimers never wait on each other) with a token bumped on
 * every claim and an expiry; every write of its holder (renewal, cursor, done) is a compare-and-set on
 * that token, so a holder whose claim was taken over records nothing. Cursors only move forward.
 */
export class PartitionStore {
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
        values (${family}, ${version}, ${watermark.changeKey}::bigint, ${json(watermark.key)},
          ${transactionIds(watermark.pending ?? [])}, ${Math.round(rows)}::bigint)
        on conflict (family, version) do nothing returning 1`,
    );
    if (made.length === 0) return false;
    await db.execute(
      sql`insert into ${this.partitions} (family, version, partition, after, up_to) values ${sql.join(
        ranges.map((r, i) => sql`(${family}, ${version}::int, ${i}::int, ${json(r.after)}, ${json(r.upTo)})`),
        sql`, `,
      )}`,
    );
    return true;
  }

  async readPlans(db: SyncExecutor, family: string): Promise<Map<number, BackfillPlan>> {
    const rows = await queryRows<{
      version: number;
      change_key: string;
      key: KeyValue[];
      pending: string[];
      rows: string;
      created_at: string | Date;
      merged_at: string | Date | null;
    }>(
      db,
      sql`select version, change_key::text as change_key, key, pending::text[] as pending, rows::text as rows,
          created_at, merged_at
        from ${this.plans} where family = ${family}`,
    );
    return new Map(
      rows.map((r) => [
        r.version,
        {
          version: r.version,
          watermark: { changeKey: Number(r.change_key), key: r.key, pending: r.pending.map(Number) },
          rows: Number(r.rows),
          createdAt: new Date(r.created_at),
          mergedAt: r.merged_at === null ? null : new Date(r.merged_at),
        },
      ]),
    );
  }

  /**
   * Claims one partition of `versions` that is waiting, or whose claim expired (resumed from its cursor),
   * for `ttlMs`; null when none is free. Partitions claimed by others are skipped, not waited for.
   */
  async claim(
    db: SyncExecutor,
    family: string,
    versions: readonly number[],
    holder: string,
    ttlMs: number,
  ): Promise<PartitionClaim | null> {
    if (versions.length === 0) return null;
    const [row] = await queryRows<Row & { version: number; token: string }>(
      db,
      sql`update ${this.partitions} as p
        set state = 'claimed', holder = ${holder}, token = p.token + 1, expires_at = ${ttl(ttlMs)},
          claimed_at = now(), claim_rows = 0, updated_at = now()
        from (
          select family, version, partition from ${this.partitions}
          where family = ${family} and version = any(${`{${versions.join(',')}}`}::int[])
            and (state = 'waiting' or (state = 'claimed' and expires_at <= now()))
          order by version, partition
          limit 1 for update skip locked
        ) as free
        where p.family = free.family and p.version = free.version and p.partition = free.partition
        returning p.version, p.partition, p.after, p.up_to, p.cursor, p.token::text as token`,
    );
    if (!row) return null;
    return {
      family,
      version: row.version,
      partition: row.partition,
      range: { after: row.after, upTo: row.up_to },
      cursor: row.cursor,
      holder,
      token: Number(row.token),
    };
  }

  /** Extends the claim if its token is still current; false means another holder took the partition. */
  async renew(db: SyncExecutor, claim: PartitionClaim, ttlMs: number): Promise<boolean> {
    const rows = await queryRows(
      db,
      sql`update ${this.partitions} set expires_at = ${ttl(ttlMs)}
        where ${this.current(claim)} returning 1`,
    );
    return rows.length > 0;
  }

  /**
   * Moves the claim's cursor to `cursor`, adds `rows` and renews the claim, if its token is current and
   * `cursor` is past the stored one (in the key's SQL order); false otherwise, and nothing changes.
   */
  async advance(
    db: SyncExecutor,
    claim: PartitionClaim,
    cursor: readonly KeyValue[],
    rows: number,
    ttlMs: number,
    keys: readonly KeyColumn[],
  ): Promise<boolean> {
    const next = json(cursor);
    const moved = await queryRows(
      db,
      sql`update ${this.partitions} set cursor = ${next}, rows = rows + ${rows}::bigint,
          claim_rows = claim_rows + ${rows}::bigint, expires_at = ${ttl(ttlMs)}, updated_at = now()
        where ${this.current(claim)}
          and (cursor is null or (${storedKeySql(keys, sql`cursor`)}) < (${storedKeySql(keys, next)}))
        returning 1`,
    );
    return moved.length > 0;
  }

  /** Marks the claimed partition done, if its token is current; done is final. */
  async finish(db: SyncExecutor, claim: PartitionClaim): Promise<boolean> {
    const rows = await queryRows(
      db,
      sql`update ${this.partitions} set state = 'done', done_at = now(), expires_at = null, updated_at = now()
        where ${this.current(claim)} returning 1`,
    );
    return rows.length > 0;
  }

  /** Lets another holder take the partition at once (this one stops), from its cursor. */
  async release(db: SyncExecutor, claim: PartitionClaim): Promise<void> {
    await db.execute(sql`update ${this.partitions} set expires_at = now() where ${this.current(claim)}`);
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

  /** Whether any partition of these versions is waiting or has an expired claim. */
  async claimable(db: SyncExecutor, family: string, versions: readonly number[]): Promise<boolean> {
    if (versions.length === 0) return false;
    const rows = await queryRows(
      db,
      sql`select 1 from ${this.partitions}
        where family = ${family} and version = any(${`{${versions.join(',')}}`}::int[])
          and (state = 'waiting' or (state = 'claimed' and expires_at <= now())) limit 1`,
    );
    return rows.length > 0;
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

  /** The claim's row, while its token is current and it is claimed. */
  private current(claim: PartitionClaim): SQL {
    return sql`family = ${claim.family} and version = ${claim.version} and partition = ${claim.partition}
      and token = ${claim.token} and state = 'claimed'`;
  }
}
