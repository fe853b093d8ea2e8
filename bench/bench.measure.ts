import { type FamilyDefinition, FamilySync, type RunReport } from 'search-sync';
import { productsFamily } from '../src/catalog/products.family.js';
import type { BenchContext } from './bench.case.js';
import { BENCH_BATCH_SIZE, BENCH_BULK, type BulkSettings } from './bench.config.js';
import { type Dataset, deleteBenchIndexes, MAIN_DATABASE, waitForQuiet } from './bench.environment.js';
import { familyName, productVersions } from './bench.families.js';
import { LoadTracker } from './bench.gauges.js';

/** CPU time of this process (user + system), in ms. */
export const processCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export interface SyncMeasurement {
  readonly reports: readonly RunReport[];
  readonly seconds: number;
  /** This process: the sync itself (the bench does nothing else while it runs). */
  readonly cpuMs: number;
  readonly openSearchCpuMs: number;
  readonly starvedShare: number;
  /** The same between the first loader call and the end of the last one: what the pipeline leaves idle. */
  readonly starvedShareWhileLoading: number;
  /** From the first bulk request to the last response: the run without its fixed start and end. */
  readonly loadingSeconds: number;
  /** Time-averaged bulk requests in flight: how well the sync kept the node fed. */
  readonly bulkInFlight: number;
}

/**
 * One full sync of fresh families (new names, so no checkpoints: they read from the start) into fresh
 * indexes, run concurrently when there are several (the naive baseline). Times `run()` only: creating
 * indexes is not part of the throughput. The families' indexes are deleted afterwards.
 */
export async function measureSyncs(
  ctx: BenchContext,
  dataset: Dataset,
  families: readonly FamilyDefinition[],
  bulk: BulkSettings = BENCH_BULK,
): Promise<SyncMeasurement> {
  const { env } = ctx;
  const tracker = new LoadTracker();
  const syncs = families.map(
    (family) =>
      new FamilySync(family, {
        db: dataset.db,
        client: env.client,
        batchSize: BENCH_BATCH_SIZE,
        bulk,
        wrapLoader: tracker.wrap,
      }),
  );
  try {
    for (const sync of syncs) await sync.prepare();
    const openSearchBefore = await env.openSearchCpuMs();
    const cpuBefore = processCpuMs();
    tracker.start();
    env.bulkGauge.reset();
    const started = performance.now();
    const reports = await Promise.all(syncs.map((sync) => sync.run()));
    const seconds = (performance.now() - started) / 1000;
    const starvedShare = tracker.starvedShare();
    const starvedShareWhileLoading = tracker.starvedShareWhileLoading();
    const loadingSeconds = tracker.loadingMs() / 1000;
    const bulkInFlight = env.bulkGauge.mean();
    const cpuMs = processCpuMs() - cpuBefore;
    const openSearchCpuMs = (await env.openSearchCpuMs()) - openSearchBefore;
    for (const report of reports) {
      if (report.changes !== dataset.rows) {
        throw new Error(`${report.family} synced ${report.changes} changes, expected ${dataset.rows}`);
      }
    }
    return {
      reports,
      seconds,
      cpuMs,
      openSearchCpuMs,
      starvedShare,
      starvedShareWhileLoading,
      loadingSeconds,
      bulkInFlight,
    };
  } finally {
    for (const family of families) await deleteBenchIndexes(env.client, `${family.name}_*`);
  }
}

/** The main data set at this run's size (seeded or reset on first use). */
export function mainDataset(ctx: BenchContext): Promise<Dataset> {
  return ctx.env.dataset(MAIN_DATABASE, ctx.config.rows, ctx.log);
}

const warmed = new WeakSet<BenchContext>();

/**
 * One untimed end-to-end sync of the main data set, once per run whichever case comes first: it warms
 * the JIT, the connection pool, PostgreSQL's cache and OpenSearch's JVM alike.
 */
export async function warmUpOnce(ctx: BenchContext): Promise<void> {
  if (warmed.has(ctx)) return;
  warmed.add(ctx);
  const dataset = await mainDataset(ctx);
  ctx.log('warm-up: one untimed sync of the main data set');
  await measureSyncs(ctx, dataset, [productsFamily(familyName(ctx.runId, 'warmup'), productVersions(1))]);
}

/**
 * Runs a pair of measurements once the machine is quiet, swapping which goes first every repetition, so
 * drift (merges, caches, other load) falls on both sides alike.
 */
export async function inAlternation(
  ctx: BenchContext,
  repetition: number,
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<void> {
  await waitForQuiet(ctx.log);
  const [a, b] = repetition % 2 === 1 ? [first, second] : [second, first];
  await a();
  await b();
}
