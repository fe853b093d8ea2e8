import { sql } from 'drizzle-orm';
import type { SyncExecutor } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';

/** The transaction that holds the horizon back: exact capture cannot read past it until it ends. */
export interface HorizonHolder {
  readonly pid: number;
  /** The database the session is connected to: the horizon is the server's, any database's session can hold it. */
  readonly database: string | null;
  readonly since: Date;
  readonly state: string;
  readonly query: string;
}

/** The oldest transaction with an id, if it is the one the horizon waits for. */
export async function horizonHolder(db: SyncExecutor): Promise<HorizonHolder | null> {
  const [row] = await queryRows<{
    pid: number;
    database: string | null;
    since: Date | string;
    state: string;
    query: string;
  }>(
    db,
    sql`select pid, datname as database, xact_start as since, coalesce(state, '') as state,
        left(coalesce(query, ''), 200) as query
      from pg_stat_activity
      where backend_xid is not null
        and backend_xid::text::bigint = pg_snapshot_xmin(pg_current_snapshot())::text::bigint
      limit 1`,
  );
  return row ? { ...row, since: new Date(row.since) } : null;
}
