import { Client } from '@opensearch-project/opensearch';
import { FamilySync, type SyncEvent } from 'search-sync';
import { productsFamily } from '../../src/catalog/products.family.js';
import { type FaultProxy, startFaultProxy } from '../../test/support/fault-proxy.js';
import type { BenchCase, BenchContext, CaseResult } from '../bench.case.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from '../bench.config.js';
import { type Dataset, deleteBenchIndexes, OPENSEARCH_URL, waitForQuiet } from '../bench.environment.js';
import { familyName, productVersions } from '../bench.families.js';
import { formatNumber, formatShare } from '../bench.format.js';
import { mainDataset } from '../bench.measure.js';
import { round } from '../bench.stats.js';

/** The share of items answered 429 when the last batch loads; it rises from 0 in step with the batches. */
const PEAK_SHARE = 0.5;

/** The lowest pace the throttle reached, and how often it changed. */
function paceTracker() {
  const pace = { lowestConcurrency: BENCH_BULK.concurrency, lowestOperations: BENCH_BULK.maxOperations };
  const changes = { down: 0, up: 0 };
  const observe = (event: SyncEvent) => {
    if (event.type !== 'bulk-throttle') return;
    changes[event.direction]++;
    pace.lowestConcurrency = Math.min(pace.lowestConcurrency, event.concurrency);
    pace.lowestOperations = Math.min(pace.lowestOperations, event.operations);
  };
  return { pace, changes, observe };
}

/**
 * One full sync of the main data set (one version) through the fault proxy, whose share of items
 * answered 429 rises from 0 to PEAK_SHARE as batches commit: a cluster that gets busier as the load goes.
 */
async function measure(
  ctx: BenchContext,
  dataset: Dataset,
  proxy: FaultProxy,
  client: Client,
  throttled: boolean,
): Promise<CaseResult> {
  const family = productsFamily(
    familyName(ctx.runId, 'pushback', throttled ? 'on' : 'off'),
    productVersions(1),
  );
  const tracker = paceTracker();
  const sync = new FamilySync(family, {
    db: dataset.db,
    client,
    batchSize: BENCH_BATCH_SIZE,
    bulk: { ...BENCH_BULK, throttle: { enabled: throttled } },
    observer: tracker.observe,
  });
  const batches = Math.ceil(dataset.rows / BENCH_BATCH_SIZE);
  let committed = 0;
  try {
    await sync.prepare();
    proxy.faultStatuses = [429];
    proxy.faultShare = 0;
    const faultedBefore = proxy.faulted;
    const started = performance.now();
    const report = await sync.run({
      onBatch: () => {
        committed++;
        proxy.faultShare = (PEAK_SHARE * committed) / batches;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const result: CaseResult = {
      case: 'pushback',
      throttle: throttled,
      rows: dataset.rows,
      peakShare: PEAK_SHARE,
      seconds: round(seconds, 1),
      docsPerSec: Math.round(report.operations / seconds),
      requests: report.load.requests,
      answered429: proxy.faulted - faultedBefore,
      retriedItems: report.load.retriedItems,
      throttledItems: report.load.throttledItems,
      deadLetters: report.deadLetters,
      indexed: report.load.succeeded,
      ...tracker.pace,
      paceDowns: tracker.changes.down,
      paceUps: tracker.changes.up,
    };
    ctx.log(
      `  throttle ${throttled ? 'on' : 'off'}: ${result.seconds} s, ${result.retriedItems} retries, ` +
        `${result.throttledItems} pushbacks, ${result.deadLetters} dead letters`,
    );
    return result;
  } finally {
    proxy.faultShare = 0;
    await deleteBenchIndexes(ctx.env.client, `${family.name}_*`);
  }
}

/**
 * Adaptive throttling, measured: the same load through a fault proxy answering a rising share of items
 * with 429, with the throttle on (pushback slows the loader down and costs no attempt) and off (a 429 is
 * a retry like a 503). The proxy's share does not fall when the loader slows down, as a real cluster's
 * would: this shows what the retry budget makes of pushback, not how much load the throttle takes off.
 */
export const pushbackCase: BenchCase = {
  name: 'pushback',

  async run(ctx) {
    const dataset = await mainDataset(ctx);
    const proxy = await startFaultProxy(OPENSEARCH_URL);
    // The client's own retries are off: what is retried, and how, is the loader's business here.
    const client = new Client({ node: proxy.url, maxRetries: 0 });
    try {
      const results: CaseResult[] = [];
      for (const throttled of [true, false]) {
        await waitForQuiet(ctx.log);
        results.push(await measure(ctx, dataset, proxy, client, throttled));
      }
      return results;
    } finally {
      await client.close();
      await proxy.close();
    }
  },

  tables(results) {
    const first = results[0];
    return [
      {
        title: `Pushback: 1 version, ${formatNumber(first?.rows as number)} rows, items answered 429 rising from 0 to ${formatShare(first?.peakShare as number)} as batches commit`,
        headers: [
          'throttle',
          'total time',
          'docs/s',
          'requests',
          'items answered 429',
          'retries (cost an attempt)',
          'pushbacks (cost none)',
          'dead letters',
          'lowest pace',
          'pace changes down / up',
        ],
        rows: results.map((r) => [
          r.throttle ? 'on' : 'off',
          `${formatNumber(r.seconds as number, 1)} s`,
          formatNumber(r.docsPerSec as number),
          formatNumber(r.requests as number),
          formatNumber(r.answered429 as number),
          formatNumber(r.retriedItems as number),
          formatNumber(r.throttledItems as number),
          formatNumber(r.deadLetters as number),
          `${r.lowestConcurrency} × ${formatNumber(r.lowestOperations as number)} ops`,
          `${r.paceDowns} / ${r.paceUps}`,
        ]),
        note:
          `Library defaults (${BENCH_BULK.maxOperations} operations × ${BENCH_BULK.concurrency} requests, 6 attempts, ` +
          '200 ms–10 s full-jitter backoff, 120 s retry budget per batch). The proxy picks each item at random, ' +
          'whatever the pace, so slowing down does not lower its share as it would on a real node: the figures ' +
          'show the retry budget, not the load the throttle takes off a cluster.',
      },
    ];
  },
};
