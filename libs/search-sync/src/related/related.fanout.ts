import { type SQL, sql } from 'drizzle-orm';
import type { CapturedSource } from '../capture/captured.source.js';
import { CHANGE_KEY_COLUMN, ROW_VERSION_COLUMN } from '../capture/change-capture.columns.js';
import { keyOrderSql, keyValueOf, tupleSql } from '../capture/key.sql.js';
import { transaction } from '../database/database.transaction.js';
import type { SyncDatabase } from '../database/database.type.js';
import { queryRows } from '../database/database.type.js';
import { compareKeys } from '../keys/key.order.js';
import type { KeyValue } from '../keys/key.types.js';
import { pathsParameter, type RelatedPath } from './related.paths.js';

export interface FanOutOptions {
  /** The synced table, `schema.table`. */
  readonly source: string;
  readonly stateSchema: string;
  readonly paths: readonly RelatedPath[];
  /** Related changes taken per round. */
  readonly changesPerRound?: number;
  /** Parent rows touched per transaction. */
  readonly parentsPerTouch?: number;
  /** The lease check, first in every transaction. */
  readonly fence?: (tx: SyncDatabase) => Promise<void>;
}

const ident = sql.identifier;

/**
 * Turns recorded related changes into changes of the family's own rows: resolves the parents of a round
 * of related changes with set-based SQL (one statement per relation path, walking its hops up), and
 * touches those parents in key order, a bounded number per transaction, so the capture trigger gives them
 * a new change key and row version from the same sequence. The ordinary pipeline then re-indexes them:
 * external versions, checkpoints, parity and reconcile stay exact, and memory stays bounded whatever the
 * fan-out. The round's related changes are deleted with its last touch. Returns the parents touched.
 * Changes recorded after it starts are left to the next run.
 */
export async function fanOutRelatedChanges(
  captured: CapturedSource,
  options: FanOutOptions,
): Promise<number> {
  const { db, source } = captured;
  const queue = sql`${ident(options.stateSchema)}.related_changes`;
  const table = sql`${ident(source.schema)}.${ident(source.name)}`;
  const ofFamily = sql`source = ${options.source} and path = any(${pathsParameter(options.paths.map((p) => p.path))})`;
  // Only the changes recorded when the fan-out starts: writers that keep recording them as fast as they
  // are consumed must not keep the run from ending. Later ones are the next run's.
  const [{ last }] = await queryRows<{ last: string | null }>(
    db,
    sql`select max(id)::text as last from ${queue} where ${ofFamily}`,
  );
  if (last === null) return 0;
  let touched = 0;
  for (;;) {
    const taken = await queryRows<{ id: string }>(
      db,
      sql`select id::text as id from ${queue} where ${ofFamily} and id <= ${last}::bigint
        order by id limit ${options.changesPerRound ?? 5000}`,
    );
    if (taken.length === 0) return touched;
    const ids = sql`${`{${taken.map((t) => t.id).join(',')}}`}::bigint[]`;
    // One path at a time: a single semi-join per statement, which PostgreSQL plans as a hash join.
    for (const path of options.paths)
      touched += await touchParents(captured, table, parentsOf(path, table, queue, ids), options);
    await transaction(db, async (tx) => {
      await options.fence?.(tx as unknown as SyncDatabase);
      await tx.execute(sql`delete from ${queue} where id = any(${ids})`);
    });
  }
}

/** Touches the rows matching `parents`, in key order, a bounded number per transaction. */
async function touchParents(captured: CapturedSource, table: SQL, parents: SQL, options: FanOutOptions) {
  const { db, keys } = captured;
  const columns = sql.join(
    keys.map((k) => sql`${table}.${ident(k.name)}`),
    sql`, `,
  );
  const rowVersion = ident(ROW_VERSION_COLUMN);
  let touched = 0;
  let after: readonly KeyValue[] | null = null;
  for (;;) {
    const page: SQL = sql`select ${columns} from ${table}
      where ${parents} ${after ? sql`and ${tupleSql(keys, (k) => sql`${table}.${ident(k.name)}`, '>', after)}` : sql``}
      order by ${sql.join(
        keyOrderSql(keys, (k) => sql`${table}.${ident(k.name)}`),
        sql`, `,
      )} limit ${options.parentsPerTouch ?? 2000}`;
    const rows = await transaction(db, async (tx) => {
      await options.fence?.(tx as unknown as SyncDatabase);
      return queryRows<Record<string, unknown>>(
        tx as unknown as SyncDatabase,
        sql`update ${table} set ${rowVersion} = ${rowVersion} where (${columns}) in (${page})
          returning ${sql.join(
            keys.map((k, i) => sql`${table}.${ident(k.name)} as ${ident(`k${i}`)}`),
            sql`, `,
          )}`,
      );
    });
    if (rows.length === 0) return touched;
    touched += rows.length;
    after = rows
      .map((row) => keys.map((k, i) => keyValueOf(k, row[`k${i}`])))
      .reduce((a, b) => (compareKeys(keys, a, b) >= 0 ? a : b));
  }
}

/**
 * The condition on the synced table's rows that selects the parents of a path's related changes in a
 * round, walking the hops up with joins. A parent last written by the same transaction as the related
 * change is left alone: its own change, read after that commit, shows the related row as it is.
 */
function parentsOf(path: RelatedPath, table: SQL, queue: SQL, ids: SQL): SQL {
  const changeKey = sql`${table}.${ident(CHANGE_KEY_COLUMN)}`;
  const first = path.hops[0];
  const aliases = (count: number) => Array.from({ length: count }, (_, i) => ident(`c${i}`));
  // The recorded join values of the related rows, cast back to their columns' types, with their writer.
  let values: SQL = sql`select ${sql.join(
    first.columns.map(
      (c, i) => sql`(vals->>${sql.raw(String(i))})::${sql.raw(c.sqlType)} as ${ident(`c${i}`)}`,
    ),
    sql`, `,
  )}, xid from ${queue} where id = any(${ids}) and path = ${path.path}`;
  for (let i = 1; i < path.hops.length; i++) {
    const hop = path.hops[i];
    const below = path.hops[i - 1];
    values = sql`select ${sql.join(
      hop.columns.map((c, j) => sql`h.${ident(c.name)} as ${ident(`c${j}`)}`),
      sql`, `,
    )}, s.xid from ${ident(hop.table.schema)}.${ident(hop.table.name)} h join (${values}) s
      on (${sql.join(
        below.aboveColumns.map((c) => sql`h.${ident(c)}`),
        sql`, `,
      )}) = (${sql.join(
        aliases(below.aboveColumns.length).map((a) => sql`s.${a}`),
        sql`, `,
      )})`;
  }
  const top = path.hops[path.hops.length - 1];
  return sql`exists (select 1 from (${values}) s where (${sql.join(
    top.aboveColumns.map((c) => sql`${table}.${ident(c)}`),
    sql`, `,
  )}) = (${sql.join(
    aliases(top.aboveColumns.length).map((a) => sql`s.${a}`),
    sql`, `,
  )}) and s.xid <> ${changeKey})`;
}
