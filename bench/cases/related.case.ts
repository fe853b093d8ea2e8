import { setTimeout as sleep } from 'node:timers/promises';
import { startSyncApp } from '../bench.app.js';
import type { BenchCase, CaseResult } from '../bench.case.js';
import { deleteBenchIndexes } from '../bench.environment.js';
import { familyName } from '../bench.families.js';
import { formatNumber } from '../bench.format.js';

/** Its own database: the products moved into one category would change the other cases' documents. */
const RELATED_DATABASE = 'search_sync_bench_related';
const POLL_MS = 100;

/**
 * Related rows, as a user sees them: `products` embeds its category's name (Drizzle `with`), and one
 * UPDATE renames a category that `products` rows point to. The writer's transaction touches one row;
 * the library fans the change out to every product that embeds it. Measured through the Nest module
 * (wake on commit, schedule 1 s as the safety net): from the rename's commit until a search finds the
 * new name on every active product of version 2 (the version that embeds the category).
 */
export const relatedCase: BenchCase = {
  name: 'related',

  async run(ctx) {
    const { products, timeoutMs } = ctx.config.related;
    const dataset = await ctx.env.dataset(RELATED_DATABASE, products + 5_000, ctx.log);
    const family = familyName(ctx.runId, 'related');
    const before = `bench-category-${ctx.runId}`;
    const after = `${before}-renamed`;
    const [{ id: category }] = await dataset.sql<{ id: number }[]>`
      insert into categories (name) values (${before}) returning id`;
    await dataset.sql`
      update products set category_id = ${category}
      where id in (select id from products order by id limit ${products})`;
    const { app, service } = await startSyncApp({
      db: dataset.db,
      client: ctx.env.client,
      family,
      scheduleMs: 1_000,
      wakeOnCommit: true,
    });
    const count = async (name: string) => {
      const { body } = await ctx.env.client.count({
        index: `${family}_v2`,
        body: { query: { term: { category: name } } },
      });
      return body.count;
    };
    try {
      await service.sync(family);
      await ctx.env.client.indices.refresh({ index: `${family}_v2` });
      const embedding = await count(before);
      const runsBefore = (await service.runLog(family)).length;
      await dataset.sql`update categories set name = ${after} where id = ${category}`;
      const committed = performance.now();
      let firstSeenMs: number | null = null;
      let renamed = 0;
      while (renamed < embedding && performance.now() - committed < timeoutMs) {
        await sleep(POLL_MS);
        renamed = await count(after);
        if (renamed > 0) firstSeenMs ??= performance.now() - committed;
      }
      const lastSeenMs = performance.now() - committed;
      const runs = (await service.runLog(family)).slice(runsBefore);
      const result: CaseResult = {
        case: 'related',
        productsInCategory: products,
        documentsEmbedding: embedding,
        documentsRenamed: renamed,
        firstSeenMs: Math.round(firstSeenMs ?? lastSeenMs),
        lastSeenMs: Math.round(lastSeenMs),
        documentsPerSec: Math.round(renamed / (lastSeenMs / 1000)),
        runs: runs.length,
        changesApplied: runs.reduce((sum, run) => sum + run.changes, 0),
      };
      return [result];
    } finally {
      await app.close();
      await deleteBenchIndexes(ctx.env.client, `${family}_*`);
    }
  },

  tables(results) {
    const r = results[0];
    return [
      {
        title: `Related rows: one category renamed, ${formatNumber(r?.productsInCategory as number)} products point to it (wake on commit, schedule 1 s)`,
        headers: ['documents embedding it', 'renamed', 'first seen ms', 'all seen ms', 'documents/s', 'runs'],
        rows: results.map((x) => [
          formatNumber(x.documentsEmbedding as number),
          formatNumber(x.documentsRenamed as number),
          formatNumber(x.firstSeenMs as number),
          formatNumber(x.lastSeenMs as number),
          formatNumber(x.documentsPerSec as number),
          x.runs as number,
        ]),
        note:
          'From the commit of `update categories set name = …` until a search counts the new name on every ' +
          'active product of version 2 (inactive ones are filtered out of it). Every product is re-indexed in ' +
          'both versions. The writer paid one row: the fan-out is the sync’s.',
      },
    ];
  },

  targets(results) {
    return results.map((r) => ({
      target: 'a category rename reaches every product that embeds it',
      measured: `${formatNumber(r.documentsRenamed as number)}/${formatNumber(r.documentsEmbedding as number)} in ${formatNumber(r.lastSeenMs as number)} ms`,
      met: r.documentsRenamed === r.documentsEmbedding && (r.documentsEmbedding as number) > 0,
    }));
  },
};
