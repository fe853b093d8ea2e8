import { setTimeout as sleep } from 'node:timers/promises';
import { FamilySync } from 'search-sync';
import { productsFamily } from '../../src/catalog/products.family.js';
import type { BenchCase, CaseResult } from '../bench.case.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from '../bench.config.js';
import { deleteBenchIndexes } from '../bench.environment.js';
import { familyName, productVersions } from '../bench.families.js';
import { formatNumber } from '../bench.format.js';
import { every } from '../bench.schedule.js';
import { percentile, round } from '../bench.stats.js';

/** Its own small database: the writes would otherwise change the main data set's row count. */
const LIVE_DATABASE = 'search_sync_bench_live';
const DESCRIPTION = 'freshly written product with a realistic description '.repeat(20);

/**
 * Live mode: a writer inserts products at a steady rate while the family runs on its schedule; a poller
 * searches each version for the SKUs written and not seen yet. Freshness is first seen − commit time;
 * the time the bulk request acknowledged the document is kept too, to tell sync delay from refresh delay.
 */
export const freshnessCase: BenchCase = {
  name: 'freshness',

  async run(ctx) {
    const { env, runId } = ctx;
    const settings = ctx.config.freshness;
    const dataset = await env.dataset(LIVE_DATABASE, settings.seedRows, ctx.log);
    const versions = productVersions(2);
    const name = familyName(runId, 'fresh');
    const committed = new Map<string, { sku: string; at: number }>();
    const acknowledged = new Map(versions.map((v) => [v.version, new Map<string, number>()]));
    const seen = new Map(versions.map((v) => [v.version, new Map<string, number>()]));
    const sync = new FamilySync(productsFamily(name, versions), {
      db: dataset.db,
      client: env.client,
      batchSize: BENCH_BATCH_SIZE,
      bulk: BENCH_BULK,
      wrapLoader: (loader) => async (operations) => {
        const result = await loader(operations);
        const now = performance.now();
        for (const op of operations) {
          const acks = acknowledged.get(op.version)!;
          if (!acks.has(op.id)) acks.set(op.id, now);
        }
        return result;
      },
    });
    try {
      await sync.prepare();
      // Catching up with the seeded rows doubles as the warm-up: writes then meet a synced family.
      await sync.run();
      const schedule = every(settings.scheduleIntervalMs, () => sync.run());
      const poller = every(settings.pollIntervalMs, async () => {
        for (const { version, index } of sync.versions) {
          const found = seen.get(version)!;
          const unseen = [...committed].filter(([id]) => !found.has(id)).map(([, row]) => row.sku);
          if (unseen.length === 0) continue;
          const response = await env.client.search({
            index,
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
        const sku = `BENCH-LIVE-${runId}-${i}`;
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
      const { ticks, skipped } = await schedule.stop();
      await poller.stop();
      // The catch-up acknowledged the seeded rows too: only the rows written here count.
      const delays = (times: Map<string, number>) =>
        [...times].filter(([id]) => committed.has(id)).map(([id, at]) => at - committed.get(id)!.at);
      return versions.map((version): CaseResult => {
        const fresh = delays(seen.get(version.version)!);
        const acked = delays(acknowledged.get(version.version)!);
        return {
          case: 'freshness',
          versions: versions.length,
          version: version.version,
          writes,
          writesPerSec: settings.writesPerSecond,
          seen: fresh.length,
          scheduleIntervalMs: settings.scheduleIntervalMs,
          pollIntervalMs: settings.pollIntervalMs,
          scheduledRuns: ticks - skipped,
          skippedTicks: skipped,
          freshnessMsP50: Math.round(percentile(fresh, 50)),
          freshnessMsP95: Math.round(percentile(fresh, 95)),
          freshnessMsMax: Math.round(Math.max(...fresh)),
          acknowledgedMsP50: Math.round(percentile(acked, 50)),
          acknowledgedMsP95: Math.round(percentile(acked, 95)),
          secondsWriting: round(settings.writeSeconds, 0),
        };
      });
    } finally {
      await deleteBenchIndexes(env.client, `${name}_*`);
    }
  },

  tables(results) {
    const first = results[0];
    return [
      {
        title: `Freshness: ${first?.writesPerSec} writes/s for ${first?.secondsWriting} s, runs every ${formatNumber(first?.scheduleIntervalMs as number)} ms, polled every ${first?.pollIntervalMs} ms`,
        headers: [
          'version',
          'seen / written',
          'freshness p50 ms',
          'p95 ms',
          'max ms',
          'bulk acknowledged p50 / p95 ms',
          'runs (skipped ticks)',
        ],
        rows: results.map((r) => [
          r.version as number,
          `${r.seen} / ${r.writes}`,
          formatNumber(r.freshnessMsP50 as number),
          formatNumber(r.freshnessMsP95 as number),
          formatNumber(r.freshnessMsMax as number),
          `${formatNumber(r.acknowledgedMsP50 as number)} / ${formatNumber(r.acknowledgedMsP95 as number)}`,
          `${r.scheduledRuns} (${r.skippedTicks})`,
        ]),
        note:
          'Freshness: first seen by a search − commit of the INSERT. Bulk acknowledged: when the bulk request ' +
          'holding the document returned; the rest is waiting for the index refresh (1 s by default) and the poll.',
      },
    ];
  },

  targets(results) {
    return results.map((r) => ({
      target: `freshness p95 < 2 schedule intervals (version ${r.version})`,
      measured: `${formatNumber(r.freshnessMsP95 as number)} ms vs ${formatNumber(2 * (r.scheduleIntervalMs as number))} ms (${r.seen}/${r.writes} seen)`,
      met: (r.freshnessMsP95 as number) < 2 * (r.scheduleIntervalMs as number) && r.seen === r.writes,
    }));
  },
};
