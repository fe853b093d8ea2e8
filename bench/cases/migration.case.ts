import { setTimeout as sleep } from 'node:timers/promises';
import { FamilySync, type RunReport, type SyncOptions } from 'search-sync';
import { productsFamily } from '../../src/catalog/products.family.js';
import type { BenchCase, BenchContext } from '../bench.case.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from '../bench.config.js';
import { type Dataset, deleteBenchIndexes } from '../bench.environment.js';
import { familyName, productVersions } from '../bench.families.js';
import { formatNumber } from '../bench.format.js';
import { every } from '../bench.schedule.js';
import { percentile, round, sum } from '../bench.stats.js';

/** A prime, so that `i × STRIDE mod rows` visits distinct rows spread over the whole table. */
const STRIDE = 7919;

const syncOptions = (ctx: BenchContext, dataset: Dataset): SyncOptions => ({
  db: dataset.db,
  client: ctx.env.client,
  batchSize: BENCH_BATCH_SIZE,
  bulk: BENCH_BULK,
  liveIntervalMs: ctx.config.migration.liveIntervalMs,
});

/** A group of a run report that read for the backfill: version 1, the live one, is not among its versions. */
const isBackfill = (group: RunReport['groups'][number]) => !group.versions.includes(1);

/**
 * The new version backfilled alone, nothing else running: the rate the migration's backfill is
 * compared with. A family of its own (version 2 only), synced to the head.
 */
async function backfillAlone(ctx: BenchContext, dataset: Dataset): Promise<number> {
  const name = familyName(ctx.runId, 'mig', 'alone');
  const sync = new FamilySync(productsFamily(name, productVersions(2).slice(1)), syncOptions(ctx, dataset));
  try {
    await sync.prepare();
    const started = performance.now();
    const report = await sync.run();
    const seconds = (performance.now() - started) / 1000;
    if (report.changes !== dataset.rows)
      throw new Error(`the backfill alone read ${report.changes} changes, expected ${dataset.rows}`);
    return report.changes / seconds;
  } finally {
    await deleteBenchIndexes(ctx.env.client, `${name}_*`);
  }
}

/**
 * Zero-downtime migration under load: version 1 is synced and serving; the deployment that adds version 2
 * runs back to back (each run lets the backfill stream for `backfillBudgetMs` while version 1 is synced
 * again every `liveIntervalMs`) until version 2 is live, while a writer updates rows at a steady rate
 * and a poller searches version 1 for every write. Backfill rows/s and version 1's freshness (commit →
 * searchable) during the backfill are the figures.
 */
export const migrationCase: BenchCase = {
  name: 'migration',

  async run(ctx) {
    const { env, runId } = ctx;
    const settings = ctx.config.migration;
    const dataset = await env.dataset(`search_sync_bench_rows_${settings.rows}`, settings.rows, ctx.log);
    const aloneRowsPerSec = await backfillAlone(ctx, dataset);
    ctx.log(`  backfill alone: ${formatNumber(aloneRowsPerSec)} rows/s`);

    const versions = productVersions(2);
    const name = familyName(runId, 'mig');
    const v1Index = `${name}_v1`;
    try {
      // The deployment before the migration: version 1 alone, synced to the head and serving.
      const before = new FamilySync(productsFamily(name, versions.slice(0, 1)), syncOptions(ctx, dataset));
      await before.prepare();
      await before.run();

      const acknowledged = new Map<string, number>();
      const sync = new FamilySync(productsFamily(name, versions), {
        ...syncOptions(ctx, dataset),
        wrapLoader: (loader) => async (operations) => {
          const result = await loader(operations);
          const now = performance.now();
          for (const op of operations)
            if (op.version === 1 && !acknowledged.has(op.id)) acknowledged.set(op.id, now);
          return result;
        },
      });
      await sync.prepare();
      const [{ min: firstId }] = await dataset.sql<
        { min: number }[]
      >`select min(id)::int as min from products`;

      // Rows written during the backfill, by id (each row is written once): the SKU it got, and when.
      const committed = new Map<string, { sku: string; at: number }>();
      const seen = new Map<string, number>();
      const poller = every(settings.pollIntervalMs, async () => {
        const unseen = [...committed].filter(([id]) => !seen.has(id)).map(([, row]) => row.sku);
        if (unseen.length === 0) return;
        const response = await env.client.search({
          index: v1Index,
          body: { query: { terms: { sku: unseen } }, size: unseen.length, _source: false },
        });
        const now = performance.now();
        for (const hit of response.body.hits.hits) if (!seen.has(hit._id!)) seen.set(hit._id!, now);
      });
      let writing = true;
      const started = performance.now();
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const wait = started + (i * 1000) / settings.writesPerSecond - performance.now();
          if (wait > 0) await sleep(wait);
          if (!writing) break;
          const sku = `BENCH-MIG-${runId}-${i}`;
          const target = firstId + ((i * STRIDE) % settings.rows);
          const [row] = await dataset.sql<{ id: number }[]>`
            update products set sku = ${sku}
            where id = (select id from products where id >= ${target} order by id limit 1)
            returning id`;
          committed.set(String(row.id), { sku, at: performance.now() });
        }
      })();

      const reports: RunReport[] = [];
      try {
        for (;;) {
          reports.push(await sync.run({ backfillBudgetMs: settings.backfillBudgetMs }));
          const states = await sync.status();
          if (states.every((v) => v.state === 'live' || v.state === 'serving')) break;
          if (reports.length > 500) throw new Error('the backfill never reached the head');
        }
      } finally {
        writing = false;
        await writer;
      }
      const backfillWallSeconds = (performance.now() - started) / 1000;
      // The schedule goes on after the backfill: the last writes reach version 1 with its next runs.
      const schedule = every(settings.liveIntervalMs, () => sync.run());
      const deadline = performance.now() + 10 * settings.liveIntervalMs;
      while (seen.size < committed.size && performance.now() < deadline) await sleep(settings.pollIntervalMs);
      await schedule.stop();
      await poller.stop();

      const backfillGroups = reports.flatMap((r) => r.groups.filter(isBackfill));
      const liveGroups = reports.flatMap((r) => r.groups.filter((g) => !isBackfill(g)));
      const backfilled = sum(backfillGroups.map((g) => g.changes));
      // Time spent in runs that streamed the backfill: the runs are back to back, so this is its wall time.
      const backfillSeconds =
        sum(reports.filter((r) => r.groups.some(isBackfill)).map((r) => r.durationMs)) / 1000;
      const delays = (times: Map<string, number>) =>
        [...times].filter(([id]) => committed.has(id)).map(([id, at]) => at - committed.get(id)!.at);
      const fresh = delays(seen);
      const acked = delays(acknowledged);

      // Rows written after the last backfill run's horizon reach version 2 with the runs after it, which read
      // both versions together. Updates change SKUs only, so it must then hold every active product.
      await sync.run();
      await env.client.indices.refresh({ index: `${name}_v2` });
      const v2Documents = (await env.client.count({ index: `${name}_v2` })).body.count as number;
      const [{ active }] = await dataset.sql<{ active: number }[]>`
        select count(*)::int as active from products where active and deleted_at is null`;
      if (v2Documents !== active)
        throw new Error(`version 2 holds ${v2Documents} documents, the source ${active} active products`);
      const backfillRowsPerSec = backfilled / backfillSeconds;
      ctx.log(
        `  backfill under load: ${formatNumber(backfillRowsPerSec)} rows/s, ${reports.length} runs, ` +
          `version 1 freshness p95 ${formatNumber(percentile(fresh, 95))} ms (${fresh.length}/${committed.size} seen)`,
      );
      return [
        {
          case: 'migration',
          rows: dataset.rows,
          versions: 2,
          writesPerSec: settings.writesPerSecond,
          backfillBudgetMs: settings.backfillBudgetMs,
          liveIntervalMs: settings.liveIntervalMs,
          pollIntervalMs: settings.pollIntervalMs,
          runs: reports.length,
          liveSyncs: liveGroups.length,
          backfilledRows: backfilled,
          backfillSeconds: round(backfillSeconds, 1),
          backfillWallSeconds: round(backfillWallSeconds, 1),
          backfillRowsPerSec: Math.round(backfillRowsPerSec),
          backfillAloneRowsPerSec: Math.round(aloneRowsPerSec),
          backfillOverAlone: round(backfillRowsPerSec / aloneRowsPerSec, 2),
          backfillRowQueriesPerBatch: round(
            sum(backfillGroups.map((g) => g.rowQueries)) /
              Math.max(1, sum(backfillGroups.map((g) => g.batches))),
            2,
          ),
          writes: committed.size,
          seen: fresh.length,
          liveFreshnessMsP50: Math.round(percentile(fresh, 50)),
          liveFreshnessMsP95: Math.round(percentile(fresh, 95)),
          liveFreshnessMsMax: Math.round(Math.max(...fresh)),
          liveAcknowledgedMsP50: Math.round(percentile(acked, 50)),
          liveAcknowledgedMsP95: Math.round(percentile(acked, 95)),
          v2Documents,
        },
      ];
    } finally {
      await deleteBenchIndexes(env.client, `${name}_*`);
    }
  },

  tables(results) {
    const r = results[0];
    return [
      {
        title: `Migration: version 2 backfilled from ${formatNumber(r?.rows as number)} rows beside live version 1, ${r?.writesPerSec} updates/s, runs back to back with a ${formatNumber(r?.backfillBudgetMs as number)} ms backfill budget, version 1 synced every ${formatNumber(r?.liveIntervalMs as number)} ms meanwhile`,
        headers: [
          'backfill rows/s',
          'alone rows/s',
          'under load ÷ alone',
          'backfill s (runs)',
          'version 1 seen / written',
          'version 1 freshness p50 ms',
          'p95 ms',
          'max ms',
          'bulk acknowledged p50 / p95 ms',
          'version 1 syncs',
        ],
        rows: results.map((row) => [
          formatNumber(row.backfillRowsPerSec as number),
          formatNumber(row.backfillAloneRowsPerSec as number),
          formatNumber(row.backfillOverAlone as number, 2),
          `${formatNumber(row.backfillSeconds as number, 1)} (${row.runs})`,
          `${row.seen} / ${row.writes}`,
          formatNumber(row.liveFreshnessMsP50 as number),
          formatNumber(row.liveFreshnessMsP95 as number),
          formatNumber(row.liveFreshnessMsMax as number),
          `${formatNumber(row.liveAcknowledgedMsP50 as number)} / ${formatNumber(row.liveAcknowledgedMsP95 as number)}`,
          row.liveSyncs as number,
        ]),
        note:
          'Backfill rows/s: changes read by the backfill stream ÷ time in the runs that streamed it. Alone: the ' +
          'same version synced by itself from the same rows, nothing else running. Freshness: first seen by a ' +
          'search of version 1 − commit of the UPDATE, for the rows written until version 2 went live (the last ones ' +
          'reach it with the schedule that goes on afterwards). Version 2 is checked to hold every active product at the end.',
      },
    ];
  },

  targets(results) {
    return results.map((r) => ({
      target: 'every write during the backfill searchable in the live version',
      measured: `${r.seen} / ${r.writes}`,
      met: r.seen === r.writes,
    }));
  },
};
