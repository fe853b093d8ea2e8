import { type SQL, sql } from 'drizzle-orm';
import { keyJsonSql, storedKeySql } from '../capture/key.sql.js';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import type { Checkpoint } from '../keys/change-position.js';
import type { KeyRange } from '../keys/key.range.js';
import type { KeyColumn, KeyValue } from '../keys/key.types.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';
import { type StoredWatermark, watermarkColumns, watermarkOf } from './backfill-plan.store.js';

/** A partition as one holder claimed it: its range, where it stands, and the token its writes check. */
export interface PartitionClaim {
  readonly family: string;
  readonly version: number;
  readonly partition: number;
  readonly range: KeyRange;
  /** The plan's low watermark: the partition reads the rows as they stood there, the stream the rest. */
  readonly watermark: Checkpoint;
  /** The last key applied (by any holder), or null to start at the range's beginning. */
  readonly cursor: readonly KeyValue[] | null;
  readonly holder: string;
  readonly token: number;
}

type Row = {
  partition: number;
  after: KeyValue[] | null;
  up_to: KeyValue[] | null;
  cursor: KeyValue[] | null;
};

const ttl = (ttlMs: number) => sql`now() + ${Math.round(ttlMs)}::int * interval '1 millisecond'`;

/**
 * The claims on partitions of partitioned backfills, in Postgres (the plans that made the partitions
 * are `BackfillPlanStore`'s): a partition is claimed by one holder at a time (`for update skip locked`,
 * so claimers never wait on each other) with a token bumped on every claim and an expiry; every write of
 * its holder (renewal, cursor, done) is a compare-and-set on that token, so a holder whose claim was
 * taken over records nothing. Cursors only move forward.
 */
export class PartitionStore {
  private readonly partitions: SQL;
  private readonly plans: SQL;

  constructor(stateSchema: string = DEFAULT_STATE_SCHEMA) {
    const schema = sql.identifier(stateSchema);
    this.partitions = sql`${schema}.backfill_partitions`;
    this.plans = sql`${schema}.backfill_plans`;
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
    const [row] = await queryRows<Row & StoredWatermark & { version: number; token: string }>(
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
        ) as free, ${this.plans} as plan
        where p.family = free.family and p.version = free.version and p.partition = free.partition
          and plan.family = p.family and plan.version = p.version
        returning p.version, p.partition, p.after, p.up_to, p.cursor, p.token::text as token,
          ${watermarkColumns(sql`plan`)}`,
    );
    if (!row) return null;
    return {
      family,
      version: row.version,
      partition: row.partition,
      range: { after: row.after, upTo: row.up_to },
      watermark: watermarkOf(row),
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
    const next = keyJsonSql(cursor);
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

  /**
   * Bounds how long the transaction `tx`, one of a claim's own, may keep its partition's row locked should
   * its holder stall inside it (SIGSTOP, a long pause, a frozen VM): claims skip locked rows, so until the
   * holder woke nobody could take the partition over, its claim expired or not. A stalled client leaves
   * its transaction idle: PostgreSQL ends the session once it has been idle longer than `ms`
   * (`idle_in_transaction_session_timeout`) and cancels a statement that runs longer (`statement_timeout`);
   * the transaction rolls back and the row is free. (`lock_timeout` bounds waiting for a lock, not holding
   * one; `transaction_timeout` needs PostgreSQL 17.)
   */
  async boundHold(tx: SyncExecutor, ms: number): Promise<void> {
    const limit = String(Math.max(1, Math.round(ms)));
    await tx.execute(
      sql`select set_config('idle_in_transaction_session_timeout', ${limit}, true),
        set_config('statement_timeout', ${limit}, true)`,
    );
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

  /** The claim's row, while its token is current and it is claimed. */
  private current(claim: PartitionClaim): SQL {
    return sql`family = ${claim.family} and version = ${claim.version} and partition = ${claim.partition}
      and token = ${claim.token} and state = 'claimed'`;
  }
}
