import { sql } from 'drizzle-orm';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { DEFAULT_STATE_SCHEMA } from '../state/state.schema.js';

/** A lease held on a family: its fencing token is what every checkpoint commit of the run checks. */
export interface Lease {
  readonly family: string;
  readonly holder: string;
  readonly token: number;
}

export type LeaseAttempt =
  | { readonly acquired: true; readonly lease: Lease }
  | {
      readonly acquired: false;
      /** The holder's name as it stored it (`instanceName`, or host:pid). */
      readonly heldBy: string;
      /** When the lease runs out unless its holder renews it (null if the row went meanwhile). */
      readonly expiresAt: Date | null;
    };

/**
 * One row per family in Postgres: who runs it, until when, and a token that grows with every new
 * holder. A holder whose lease was taken over can no longer renew it, so it cannot record progress.
 */
export class LeaseStore {
  private readonly table;

  constructor(stateSchema: string = DEFAULT_STATE_SCHEMA) {
    this.table = sql`${sql.identifier(stateSchema)}.leases`;
  }

  /** Takes the lease if it is free, expired, or already ours; otherwise says who holds it. */
  async acquire(db: SyncExecutor, family: string, holder: string, ttlMs: number): Promise<LeaseAttempt> {
    const [row] = await queryRows<{ token: string }>(
      db,
      sql`insert into ${this.table} as l (family, holder, token, expires_at)
        values (${family}, ${holder}, 1, now() + ${ttlMs}::int * interval '1 millisecond')
        on conflict (family) do update
          set holder = excluded.holder, token = l.token + 1, acquired_at = now(), expires_at = excluded.expires_at
          where l.expires_at < now() or l.holder = excluded.holder
        returning token::text as token`,
    );
    if (row) return { acquired: true, lease: { family, holder, token: Number(row.token) } };
    const [current] = await queryRows<{ holder: string; expires_at: Date | string }>(
      db,
      sql`select holder, expires_at from ${this.table} where family = ${family}`,
    );
    return {
      acquired: false,
      heldBy: current?.holder ?? 'unknown',
      expiresAt: current ? new Date(current.expires_at) : null,
    };
  }

  /**
   * Extends the lease if its token is still current; false means another holder took over. Run inside
   * the checkpoint transaction, it is the fence: the commit fails with it.
   */
  async renew(db: SyncExecutor, lease: Lease, ttlMs: number): Promise<boolean> {
    const rows = await queryRows(
      db,
      sql`update ${this.table} set expires_at = now() + ${ttlMs}::int * interval '1 millisecond'
        where family = ${lease.family} and token = ${lease.token} returning 1`,
    );
    return rows.length > 0;
  }

  /** Lets the next holder in at once instead of after expiry. */
  async release(db: SyncExecutor, lease: Lease): Promise<void> {
    await db.execute(
      sql`update ${this.table} set expires_at = now() where family = ${lease.family} and token = ${lease.token}`,
    );
  }
}
