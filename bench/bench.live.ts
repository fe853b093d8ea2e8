import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import type postgres from 'postgres';
import { every } from './bench.schedule.js';
import { percentile } from './bench.stats.js';

export interface FreshnessFigures {
  readonly writes: number;
  readonly seen: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export interface FreshnessPlan {
  readonly sql: postgres.Sql;
  readonly client: Client;
  /** The index (or alias) searched for the written SKUs. */
  readonly index: string;
  /** Products to update, one write each: ids of rows every system under test indexes. */
  readonly ids: readonly number[];
  readonly writesPerSecond: number;
  readonly pollIntervalMs: number;
  /** Unique per measurement: in the SKUs written. */
  readonly tag: string;
  /** How long after the last write a SKU may still show up. */
  readonly graceMs: number;
}

/**
 * Freshness of updates, whatever system keeps the index: a writer gives one product a new SKU per write
 * at a steady rate, a poller searches the index for the SKUs written and not seen yet (terms query).
 * Freshness = first seen − the UPDATE's return.
 */
export async function measureFreshness(plan: FreshnessPlan): Promise<FreshnessFigures> {
  const committed = new Map<string, number>();
  const seen = new Map<string, number>();
  const poller = every(plan.pollIntervalMs, async () => {
    const unseen = [...committed.keys()].filter((sku) => !seen.has(sku));
    if (unseen.length === 0) return;
    const response = await plan.client.search({
      index: plan.index,
      body: { query: { terms: { sku: unseen } }, size: unseen.length, _source: ['sku'] },
    });
    const now = performance.now();
    for (const hit of response.body.hits.hits) {
      const sku = (hit._source as { sku: string }).sku;
      if (!seen.has(sku)) seen.set(sku, now);
    }
  });
  try {
    const started = performance.now();
    for (let i = 0; i < plan.ids.length; i++) {
      const wait = started + (i * 1000) / plan.writesPerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const sku = `BENCH-FRESH-${plan.tag}-${i}`;
      await plan.sql`update products set sku = ${sku} where id = ${plan.ids[i]}`;
      committed.set(sku, performance.now());
    }
    const deadline = performance.now() + plan.graceMs;
    while (seen.size < committed.size && performance.now() < deadline) await sleep(plan.pollIntervalMs);
  } finally {
    await poller.stop();
  }
  const delays = [...seen].map(([sku, at]) => at - committed.get(sku)!);
  return {
    writes: committed.size,
    seen: seen.size,
    p50: Math.round(percentile(delays, 50)),
    p95: Math.round(percentile(delays, 95)),
    max: Math.round(Math.max(...delays)),
  };
}

/** Active, not deleted products: the rows both systems index in the v2 shape. */
export async function activeProductIds(sql: postgres.Sql, count: number, offset: number): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select id from products where active and deleted_at is null order by id limit ${count} offset ${offset}`;
  return rows.map((r) => r.id);
}

export interface RenameFigures {
  readonly products: number;
  /** From the UPDATE's return until every one of them shows the new name; null if not within the wait. */
  readonly seconds: number | null;
  readonly updated: number;
}

/**
 * Renames one category and waits until every active product of it shows the new name in `index`: the
 * related-row case, one write fanning out to thousands of documents.
 */
export async function measureRename(
  sql: postgres.Sql,
  client: Client,
  index: string,
  tag: string,
  maxWaitMs = 120_000,
): Promise<RenameFigures> {
  const [category] = await sql<{ id: number; products: number }[]>`
    select c.id, count(p.id)::int as products from categories c
    join products p on p.category_id = c.id and p.active and p.deleted_at is null
    group by c.id order by c.id limit 1`;
  const name = `Renamed ${tag}`;
  await sql`update categories set name = ${name} where id = ${category.id}`;
  const committed = performance.now();
  let updated = 0;
  while (performance.now() - committed < maxWaitMs) {
    const response = await client.count({ index, body: { query: { term: { category: name } } } });
    updated = response.body.count;
    if (updated >= category.products) {
      return { products: category.products, seconds: (performance.now() - committed) / 1000, updated };
    }
    await sleep(100);
  }
  return { products: category.products, seconds: null, updated };
}
