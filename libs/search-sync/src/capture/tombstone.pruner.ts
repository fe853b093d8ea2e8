import { sql } from 'drizzle-orm';
import { queryRows } from '../database/database.type.js';
import type { CapturedSource } from './captured.source.js';

/**
 * Deletes the tombstones every version of every family has applied: those below the lowest checkpoint
 * (or transaction it left pending) of all versions not retired (one with no checkpoint yet counts as 0,
 * so nothing goes while it may have loaded documents it has not recorded). Other families may read this
 * table too, hence all of them. Without it the table would grow forever.
 */
export async function pruneTombstones(source: CapturedSource): Promise<number> {
  if (!source.tombstones) return 0;
  const state = sql.identifier(source.stateSchema);
  const rows = await queryRows<{ pruned: number }>(
    source.db,
    sql`with pruned as (
      delete from ${source.tombstoneTable} where change_key < (
        select coalesce(min(coalesce(least(c.change_key, (select min(p) from unnest(c.pending) p)), 0)), 0)
        from ${state}.versions v
        left join ${state}.checkpoints c on c.family = v.family and c.version = v.version
        where v.state <> 'retired')
      returning 1)
    select count(*)::int as pruned from pruned`,
  );
  return rows[0]?.pruned ?? 0;
}
