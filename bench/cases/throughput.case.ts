import { productsFamily } from '../../src/catalog/products.family.js';
import type { BenchCase, BenchContext, CaseResult } from '../bench.case.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from '../bench.config.js';
import type { Dataset } from '../bench.environment.js';
import { familyName, productVersions } from '../bench.families.js';
import { formatNumber } from '../bench.format.js';
import {
  inAlternation,
  mainDataset,
  measureSyncs,
  processCpuMs,
  type SyncMeasurement,
  warmUpOnce,
} from '../bench.measure.js';
import { pinApart, pinningUnavailable } from '../bench.pinning.js';
import {
  type BulkRequests,
  bulkRequests,
  measureRawBulk,
  measureRawRead,
  type RawBulkMeasurement,
  type RawReadMeasurement,
  readCatalog,
} from '../bench.raw.js';
import { median, round, spreadFields, sum } from '../bench.stats.js';
import { throughputTables, throughputTargets } from '../bench.throughput-report.js';

const perThousandRows = (ms: number, rows: number) => (ms * 1000) / rows;

// The bench's pool (connect() in bench.environment.ts): pinned mode pins every backend it may use.
const POOL_SIZE = 10;

interface Plan {
  readonly n: number;
  readonly versions: ReturnType<typeof productVersions>;
  readonly indexOf: (version: number) => string;
  readonly requests: BulkRequests;
  /** CPU this process spent turning the rows into these request bodies (transform, NDJSON). */
  readonly buildCpuMs: number;
}

/**
 * End-to-end sync of the main data set into N versions against two raw limits on the same node and
 * rows: bulk ingest of pre-serialised documents (same requests, same concurrency) and a keyset read.
 * Measured twice where it can: with every process on every core (shared), and pinned, OpenSearch on cores
 * of its own and the sync (or the raw client) with PostgreSQL on the others. The CPU floor is what a
 * minimal client spends on the same work: the raw read with relations, building the bulk bodies, sending
 * them.
 */
export const throughputCase: BenchCase = {
  name: 'throughput',
  warmUp: warmUpOnce,

  async run(ctx) {
    const { config, runId } = ctx;
    const dataset = await mainDataset(ctx);
    // The floor's read, timed the second time (the first warms the raw path's JIT).
    await readCatalog(dataset, BENCH_BATCH_SIZE);
    const readCpuBefore = processCpuMs();
    const pages = await readCatalog(dataset, BENCH_BATCH_SIZE);
    const readCpuMs = processCpuMs() - readCpuBefore;
    const plans = config.versionCounts.map((n): Plan => {
      const versions = productVersions(n);
      const indexOf = (version: number) => `${familyName(runId, 'raw', `n${n}`)}_v${version}`;
      const cpuBefore = processCpuMs();
      const requests = bulkRequests(pages, versions, indexOf, BENCH_BULK);
      return { n, versions, indexOf, requests, buildCpuMs: processCpuMs() - cpuBefore };
    });
    const unpinnable = await pinningUnavailable(ctx.env.client);
    if (unpinnable) ctx.log(`pinned mode skipped: ${unpinnable}`);
    const results: CaseResult[] = [];
    for (const pinned of unpinnable ? [false] : [false, true]) {
      const pinning = pinned ? await pinApart(ctx.env.client, dataset.sql, POOL_SIZE) : null;
      if (pinning)
        ctx.log(
          `pinned: OpenSearch on CPU ${pinning.openSearchCpus}, sync and PostgreSQL on CPU ${pinning.clientCpus}`,
        );
      try {
        results.push(...(await measureMode(ctx, dataset, plans, pinned, readCpuMs)));
      } finally {
        pinning?.restore();
      }
    }
    return results;
  },

  tables: (results) => throughputTables(results),
  targets: (results) => throughputTargets(results),
};

/** Every plan, `throughputRepetitions` alternating raw/e2e pairs each, and what they come to. */
async function measureMode(
  ctx: BenchContext,
  dataset: Dataset,
  plans: readonly Plan[],
  pinned: boolean,
  readCpuMs: number,
): Promise<CaseResult[]> {
  const { config, runId } = ctx;
  const mode = pinned ? 'pinned' : 'shared';
  const reads: RawReadMeasurement[] = [];
  const samples = new Map(
    plans.map((plan) => [plan.n, { e2e: [] as SyncMeasurement[], raw: [] as RawBulkMeasurement[] }]),
  );
  for (let rep = 1; rep <= config.throughputRepetitions; rep++) {
    reads.push(await measureRawRead(dataset, BENCH_BATCH_SIZE));
    for (const plan of plans) {
      const { e2e, raw } = samples.get(plan.n)!;
      const family = productsFamily(familyName(runId, 'e2e', mode, `n${plan.n}`, `r${rep}`), plan.versions);
      const measureE2e = async () => e2e.push(await measureSyncs(ctx, dataset, [family]));
      const measureRaw = async () =>
        raw.push(
          await measureRawBulk(ctx, plan.requests, plan.versions, plan.indexOf, BENCH_BULK.concurrency),
        );
      await inAlternation(ctx, rep, measureRaw, measureE2e);
      const last = e2e[e2e.length - 1];
      ctx.log(
        `  ${mode} N=${plan.n} #${rep}: e2e ${formatNumber(last.reports[0].operations / last.seconds)} docs/s, ` +
          `raw bulk ${formatNumber(plan.requests.operations / raw[raw.length - 1].seconds)} docs/s`,
      );
    }
  }
  const rows = dataset.rows;
  const readRates = reads.map((r) => r.rows / r.seconds);
  return plans.map((plan): CaseResult => {
    const { e2e, raw } = samples.get(plan.n)!;
    const reports = e2e.map((m) => m.reports[0]);
    const e2eRates = e2e.map((m, i) => reports[i].operations / m.seconds);
    const rawRates = raw.map((m) => plan.requests.operations / m.seconds);
    const syncCpu = median(e2e.map((m) => perThousandRows(m.cpuMs, rows)));
    const rawBulkCpu = median(raw.map((m) => perThousandRows(m.cpuMs, rows)));
    const floorCpu = perThousandRows(readCpuMs + plan.buildCpuMs, rows) + rawBulkCpu;
    return {
      case: 'throughput',
      pinned,
      rows,
      versions: plan.n,
      repetitions: e2e.length,
      ...spreadFields('docsPerSec', e2eRates),
      ...spreadFields('rawBulkDocsPerSec', rawRates),
      ...spreadFields('rawReadRowsPerSec', readRates),
      // Paired by repetition: each e2e run against the raw run next to it in time.
      ...spreadFields(
        'e2eOverRawBulk',
        e2eRates.map((rate, i) => rate / rawRates[i]),
        3,
      ),
      // The same without the run's fixed start and end (the versions going live): the pipeline alone.
      ...spreadFields(
        'e2eOverRawBulkWhileLoading',
        e2e.map((m, i) => reports[i].operations / m.loadingSeconds / rawRates[i]),
        3,
      ),
      e2eRowsOverRawRead: round(median(e2eRates) / plan.n / median(readRates), 3),
      rowsReadPerRowSynced: round(Math.max(...reports.map((r) => r.changes / rows)), 3),
      opsPerRowVersion: round(Math.max(...reports.map((r) => r.operations / (rows * plan.n))), 3),
      rejected: sum(reports.map((r) => r.load.rejected)),
      retriedItems: sum(reports.map((r) => r.load.retriedItems)),
      deadLetters: sum(reports.map((r) => r.deadLetters)),
      batches: reports[0].batches,
      rowQueries: reports[0].rowQueries,
      syncCpuMsPer1kRows: round(syncCpu, 1),
      // The floor: raw read with relations + building the bodies + the raw bulk client sending them.
      floorCpuMsPer1kRows: round(floorCpu, 1),
      floorReadCpuMsPer1kRows: round(perThousandRows(readCpuMs, rows), 1),
      floorBuildCpuMsPer1kRows: round(perThousandRows(plan.buildCpuMs, rows), 1),
      syncCpuOverFloor: round(syncCpu / floorCpu, 2),
      openSearchCpuMsPer1kRows: round(median(e2e.map((m) => perThousandRows(m.openSearchCpuMs, rows))), 1),
      rawBulkCpuMsPer1kRows: round(rawBulkCpu, 1),
      rawOpenSearchCpuMsPer1kRows: round(median(raw.map((m) => perThousandRows(m.openSearchCpuMs, rows))), 1),
      rawRejected: sum(raw.map((m) => m.rejected)),
      e2eBytesPerDoc: Math.round(median(reports.map((r) => r.load.bytes / r.operations))),
      rawBytesPerDoc: Math.round(plan.requests.bytes / plan.requests.operations),
      starvedShare: round(median(e2e.map((m) => m.starvedShare)), 3),
      starvedShareWhileLoading: round(median(e2e.map((m) => m.starvedShareWhileLoading)), 3),
      bulkInFlight: round(median(e2e.map((m) => m.bulkInFlight)), 2),
      rawBulkInFlight: round(median(raw.map((m) => m.bulkInFlight)), 2),
    };
  });
}
