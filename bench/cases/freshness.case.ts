import { setTimeout as sleep } from 'node:timers/promises';
import type { FamilyRefresh, SyncDatabase } from 'search-sync';
import { startSyncApp } from '../bench.app.js';
import type { BenchCase, BenchContext, CaseResult } from '../bench.case.js';
import { connectNodePostgres, type Dataset, deleteBenchIndexes } from '../bench.environment.js';
import { familyName } from '../bench.families.js';
import { formatNumber } from '../bench.format.js';
import { every } from '../bench.schedule.js';
import { percentile, round } from '../bench.stats.js';

/** Its own small database: the writes would otherwise change the main data set's row count. */
const LIVE_DATABASE = 'search_sync_bench_live';
const DESCRIPTION = 'freshly written product with a realistic description '.repeat(20);
const VERSIONS = [1, 2];

/** How the family is woken, and whether another session holds a transaction open meanwhile. */
interface Variant {
  readonly label: string;
  readonly wakeOnCommit: boolean;
  readonly holdTransaction: boolean;
  readonly refresh?: FamilyRefresh;
}

const VARIANTS: readonly Variant[] = [
  { label: 'schedule', wakeOnCommit: false, holdTransaction: false },
  { label: 'wake on commit', wakeOnCommit: true, holdTransaction: false },
  { label: 'schedule, transaction held open', wakeOnCommit: false, holdTransaction: true },
  { label: 'wake on commit, transaction held open', wakeOnCommit: true, holdTransaction: true },
  {
    label: 'wake on commit, refresh after run',
    wakeOnCommit: true,
    holdTransaction: false,
    refresh: 'after-run',
  },
];

/**
 * Live mode, through the Nest module as an application runs it: a writer inserts products at a steady
 * rate while the family runs on its schedule (and, in the wake-on-commit variants, on every commit); a
 * poller searches each version for the SKUs written and not seen yet. Freshness is first seen − commit
 * time. In the "held open" variants another session has updated a product in a transaction that stays
 * open for the whole measurement, as a batch job or a session idle in transaction would. The module gets
 * the data set's database through the run's `--driver` (postgres.js, or node-postgres over a pg.Pool);
 * the writer and the held transaction are other sessions, on postgres.js either way.
 */
export const freshnessCase: BenchCase = {
  name: 'freshness',

  async run(ctx) {
    const dataset = await ctx.env.dataset(LIVE_DATABASE, ctx.config.freshness.seedRows, ctx.log);
    const application =
      ctx.driver === 'node-postgres'
        ? connectNodePostgres(dataset.url)
        : { db: dataset.db, close: async () => {} };
    const results: CaseResult[] = [];
    try {
      for (const [i, variant] of VARIANTS.entries()) {
        ctx.log(`freshness: ${variant.label} (${ctx.driver})`);
        const family = familyName(ctx.runId, 'fresh', i);
        results.push(...(await measure(ctx, dataset, application.db, variant, family)));
      }
    } finally {
      await application.close();
    }
    return results;
  },

  tables(results) {
    const first = results[0];
    return [
      {
        title: `Freshness (${first?.driver}): ${first?.writesPerSec} writes/s for ${first?.secondsWriting} s, schedule every ${formatNumber(first?.scheduleIntervalMs as number)} ms, polled every ${first?.pollIntervalMs} ms`,
        headers: ['woken by', 'version', 'seen / written', 'p50 ms', 'p95 ms', 'max ms', 'runs'],
        rows: results.map((r) => [
          r.variant as string,
          r.version as number,
          `${r.seen} / ${r.writes}`,
          formatNumber(r.freshnessMsP50 as number),
          formatNumber(r.freshnessMsP95 as number),
          formatNumber(r.freshnessMsMax as number),
          r.runs as number,
        ]),
        note:
          'Freshness: first seen by a search − commit of the INSERT, through the Nest module. It includes ' +
          'the index refresh (1 s by default) and the poll; "refresh after run": the family refreshes the ' +
          "indexes a live run wrote to before it returns (`refresh: 'after-run'`). " +
          '"Transaction held open": another session holds ' +
          'an uncommitted update of a product for the whole measurement; reads are bounded by snapshots, ' +
          'so the rows committed around it are applied anyway.',
      },
    ];
  },

  targets(results, config) {
    const interval = config.freshness.scheduleIntervalMs;
    const p95 = (variant: string, version: number) =>
      results.find((r) => r.variant === variant && r.version === version)?.freshnessMsP95 as number;
    return [
      ...results.map((r) => ({
        target: `every write seen (${r.variant}, version ${r.version})`,
        measured: `${r.seen}/${r.writes}`,
        met: r.seen === r.writes,
      })),
      ...VERSIONS.map((version) => ({
        target: `wake on commit p95 < schedule p95 (version ${version})`,
        measured: `${formatNumber(p95('wake on commit', version))} vs ${formatNumber(p95('schedule', version))} ms`,
        met: p95('wake on commit', version) < p95('schedule', version),
      })),
      ...results
        .filter((r) => r.variant === 'schedule')
        .map((r) => ({
          target: `schedule p95 < 2 schedule intervals (version ${r.version})`,
          measured: `${formatNumber(r.freshnessMsP95 as number)} vs ${formatNumber(2 * interval)} ms`,
          met: (r.freshnessMsP95 as number) < 2 * interval,
        })),
    ];
  },
};

async function measure(
  ctx: BenchContext,
  dataset: Dataset,
  db: SyncDatabase,
  variant: Variant,
  family: string,
) {
  const settings = ctx.config.freshness;
  const committed = new Map<string, { sku: string; at: number }>();
  const seen = new Map(VERSIONS.map((v) => [v, new Map<string, number>()]));
  const { app, service } = await startSyncApp({
    db,
    client: ctx.env.client,
    family,
    scheduleMs: settings.scheduleIntervalMs,
    wakeOnCommit: variant.wakeOnCommit,
    refresh: variant.refresh,
  });
  const holder = variant.holdTransaction ? await dataset.sql.reserve() : null;
  try {
    // Catching up with the seeded rows doubles as the warm-up: writes then meet a synced family.
    await service.sync(family);
    const runsBefore = (await service.runLog(family)).length;
    if (holder) {
      await holder`begin`;
      await holder`update products set title = title || ' (held)' where id = (select min(id) from products)`;
    }
    const poller = every(settings.pollIntervalMs, async () => {
      for (const version of VERSIONS) {
        const found = seen.get(version)!;
        const unseen = [...committed].filter(([id]) => !found.has(id)).map(([, row]) => row.sku);
        if (unseen.length === 0) continue;
        const response = await ctx.env.client.search({
          index: `${family}_v${version}`,
          body: { query: { terms: { sku: unseen } }, size: unseen.length, _source: false },
        });
        const now = performance.now();
        for (const hit of response.body.hits.hits) if (!found.has(hit._id!)) found.set(hit._id!, now);
      }
    });
    const writes = settings.writesPerSecond * settings.writeSeconds;
    const started = performance.now();
    for (let i = 0; i < writes; i++) {
      const wait = started + (i * 1000) / settings.writesPerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const sku = `BENCH-LIVE-${family}-${i}`;
      const [row] = await dataset.sql<{ id: number }[]>`
        with product as (
          insert into products (sku, title, description, price, active, category_id)
          values (${sku}, ${`Live product ${i}`}, ${DESCRIPTION}, 19.99, true, (select min(id) from categories))
          returning id
        )
        insert into product_tags (product_id, tag_id)
        select id, (select min(id) from tags) from product returning product_id as id`;
      committed.set(String(row.id), { sku, at: performance.now() });
    }
    const deadline = performance.now() + 10 * settings.scheduleIntervalMs;
    const allSeen = () => [...seen.values()].every((found) => found.size === writes);
    while (!allSeen() && performance.now() < deadline) await sleep(settings.pollIntervalMs);
    await poller.stop();
    const runs = (await service.runLog(family)).length - runsBefore;
    return VERSIONS.map((version): CaseResult => {
      const fresh = [...seen.get(version)!].map(([id, at]) => at - committed.get(id)!.at);
      return {
        case: 'freshness',
        driver: ctx.driver,
        variant: variant.label,
        wakeOnCommit: variant.wakeOnCommit,
        transactionHeldOpen: variant.holdTransaction,
        refresh: variant.refresh ?? 'interval',
        version,
        writes,
        writesPerSec: settings.writesPerSecond,
        seen: fresh.length,
        scheduleIntervalMs: settings.scheduleIntervalMs,
        pollIntervalMs: settings.pollIntervalMs,
        runs,
        freshnessMsP50: Math.round(percentile(fresh, 50)),
        freshnessMsP95: Math.round(percentile(fresh, 95)),
        freshnessMsMax: Math.round(Math.max(...fresh)),
        secondsWriting: round(settings.writeSeconds, 0),
      };
    });
  } finally {
    if (holder) {
      await holder`rollback`;
      holder.release();
    }
    await app.close();
    await deleteBenchIndexes(ctx.env.client, `${family}_*`);
  }
}
