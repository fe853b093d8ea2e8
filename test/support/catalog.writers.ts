import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import { seededRandom } from './seeded.random.js';

/**
 * Random writes against the catalog: inserts (with tags), updates, hard deletes and soft deletes, each in
 * its own transaction, until `until` resolves; products 1–10 are never touched. Every write sets updated_at = now(), as an application would.
 */
export async function writeRandomly(
  sql: postgres.Sql,
  options: { until: Promise<unknown>; seed: number; pauseMs?: number },
): Promise<number> {
  const random = seededRandom(options.seed);
  let stop = false;
  void options.until.then(() => {
    stop = true;
  });
  let writes = 0;
  while (!stop) {
    const [{ max }] = await sql`select coalesce(max(id), 1)::int as max from products`;
    // Ids up to 10 are left alone, for tests that follow particular rows.
    const id = 11 + Math.floor(random() * Math.max(1, max - 10));
    const dice = random();
    if (dice < 0.3) {
      await sql.begin(async (tx) => {
        const [row] = await tx`insert into products (sku, title, description, price, active, category_id)
          select 'W-' || gen_random_uuid(), 'Written ' || ${id}::text, 'written by a concurrent writer',
            ${Math.round(random() * 30000) / 100}, ${random() > 0.2}, (select min(id) from categories)
          returning id`;
        await tx`insert into product_tags (product_id, tag_id) select ${row.id}, min(id) from tags`;
      });
    } else if (dice < 0.75) {
      await sql`update products set title = 'Updated ' || ${writes}::text, price = ${Math.round(random() * 30000) / 100},
        active = ${random() > 0.3}, updated_at = now() where id = ${id}`;
    } else if (dice < 0.88) {
      await sql`delete from products where id = ${id}`;
    } else {
      await sql`update products set deleted_at = now(), updated_at = now() where id = ${id} and deleted_at is null`;
    }
    writes++;
    if (options.pauseMs) await sleep(options.pauseMs);
  }
  return writes;
}

/**
 * A transaction that starts before the others, writes early, and commits after them: the case that
 * makes timestamp polling lose rows.
 */
export async function lateCommitter(
  sql: postgres.Sql,
  options: { productId: number; commitAfter: Promise<unknown> },
) {
  let wrote!: (startedAtMicros: number) => void;
  const written = new Promise<number>((resolve) => {
    wrote = resolve;
  });
  const committed = sql.begin(async (tx) => {
    const [{ started }] = await tx`select (extract(epoch from now()) * 1000000)::bigint::text as started`;
    await tx`update products set title = 'Committed late', updated_at = now() where id = ${options.productId}`;
    await tx`insert into products (sku, title, description, price, active, category_id)
      values ('LATE-1', 'Inserted late', 'inserted by the late transaction', 10, true, (select min(id) from categories))`;
    wrote(Number(started));
    await options.commitAfter;
  });
  // Wrapped: an async function returning the promise itself would wait for the commit.
  return { committed, startedAtMicros: await written };
}
