import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import { writeRandomly } from '../../support/catalog.writers.js';

/**
 * Deletes a product and inserts it again under the same id, each in its own transaction, until `until`
 * resolves: the key's tombstone and its new row must end as the new row, whatever order they are loaded in.
 */
async function reinsertRandomly(sql: postgres.Sql, until: Promise<unknown>, seed: number): Promise<number> {
  let state = seed;
  let stop = false;
  void until.then(() => {
    stop = true;
  });
  let writes = 0;
  while (!stop) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const [{ max }] = await sql`select coalesce(max(id), 1)::int as max from products`;
    const id = 11 + (state % Math.max(1, max - 10));
    await sql`delete from products where id = ${id}`;
    await sql.begin(async (tx) => {
      await tx`insert into products (id, sku, title, description, price, active, category_id)
        values (${id}, 'R-' || gen_random_uuid(), 'Re-inserted ' || ${id}::text, 'deleted, then inserted again',
          12.5, true, (select min(id) from categories))
        on conflict (id) do nothing`;
      await tx`insert into product_tags (product_id, tag_id) select ${id}, max(id) from tags`;
    });
    writes += 2;
    // The pace of the other writer: with none, this loop alone keeps the related-row fan-out busy.
    await sleep(20);
  }
  return writes;
}

/** The concurrent writer of every scenario: random inserts, updates, deletes, soft deletes, and re-inserts. */
export function startWriters(sql: postgres.Sql, seed: number, stoppers: (() => Promise<unknown>)[] = []) {
  let stop!: () => void;
  const until = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const writing = Promise.all([
    writeRandomly(sql, { until, seed, pauseMs: 20 }),
    reinsertRandomly(sql, until, seed + 1),
  ]);
  const writers = {
    /** Stops writing; resolves with the number of writes made. */
    async stop(): Promise<number> {
      stop();
      const [random, reinserts] = await writing;
      return random + reinserts;
    },
  };
  stoppers.push(() => writers.stop());
  return writers;
}
