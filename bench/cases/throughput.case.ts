import { productsFamily } from '../../src/catalog/products.family.js';
import type { BenchCase, CaseResult, TargetVerdict } from '../bench.case.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from '../bench.config.js';
import { familyName, productVersions } from '../bench.families.js';
import { formatNumber, formatShare, formatSpread } from '../bench.format.js';
import {
  inAlternation,
  mainDataset,
  measureSyncs,
  type SyncMeasurement,
  warmUpOnce,
} from '../bench.measure.js';
import {
  bulkRequests,
  measureRawBulk,
  measureRawRead,
  type RawBulkMeasurement,
  type RawReadMeasurement,
  readCatalog,
} from '../bench.raw.js';
import { median, round, spreadFields, spreadOf, sum } from '../bench.stats.js';

const perThousandRows = (ms: number, rows: number) => (ms * 1000) / rows;

/**
 * End-to-end sync of the main data set into N versions against two raw limits on the same node and
 * rows: bulk ingest of pre-serialised documents (same requests, same concurrency) and a keyset read.
 */
export const throughputCase: BenchCase = {
  name: 'throughput',
  warmUp: warmUpOnce,

  async run(ctx) {
    const { config, runId } = ctx;
    const dataset = await mainDataset(ctx);
    const pages = await readCatalog(dataset, BENCH_BATCH_SIZE);
    const plans = config.versionCounts.map((n) => {
      const versions = productVersions(n);
      const indexOf = (version: number) => `${familyName(runId, 'raw', `n${n}`)}_v${version}`;
      return { n, versions, indexOf, requests: bulkRequests(pages, versions, indexOf, BENCH_BULK) };
    });
    const reads: RawReadMeasurement[] = [];
    const samples = new Map(
      plans.map((plan) => [plan.n, { e2e: [] as SyncMeasurement[], raw: [] as RawBulkMeasurement[] }]),
    );
    for (let rep = 1; rep <= config.throughputRepetitions; rep++) {
      reads.push(await measureRawRead(dataset, BENCH_BATCH_SIZE));
      for (const plan of plans) {
        const { e2e, raw } = samples.get(plan.n)!;
        const family = productsFamily(familyName(runId, 'e2e', `n${plan.n}`, `r${rep}`), plan.versions);
        const measureE2e = async () => e2e.push(await measureSyncs(ctx, dataset, [family]));
        const measureRaw = async () =>
          raw.push(
            await measureRawBulk(ctx, plan.requests, plan.versions, plan.indexOf, BENCH_BULK.concurrency),
          );
        await inAlternation(ctx, rep, measureRaw, measureE2e);
        const last = e2e[e2e.length - 1];
        ctx.log(
          `  N=${plan.n} #${rep}: e2e ${formatNumber(last.reports[0].operations / last.seconds)} docs/s, ` +
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
      return {
        case: 'throughput',
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
        syncCpuMsPer1kRows: round(median(e2e.map((m) => perThousandRows(m.cpuMs, rows))), 1),
        openSearchCpuMsPer1kRows: round(median(e2e.map((m) => perThousandRows(m.openSearchCpuMs, rows))), 1),
        rawBulkCpuMsPer1kRows: round(median(raw.map((m) => perThousandRows(m.cpuMs, rows))), 1),
        rawOpenSearchCpuMsPer1kRows: round(
          median(raw.map((m) => perThousandRows(m.openSearchCpuMs, rows))),
          1,
        ),
        rawRejected: sum(raw.map((m) => m.rejected)),
        e2eBytesPerDoc: Math.round(median(reports.map((r) => r.load.bytes / r.operations))),
        rawBytesPerDoc: Math.round(plan.requests.bytes / plan.requests.operations),
        starvedShare: round(median(e2e.map((m) => m.starvedShare)), 3),
        starvedShareWhileLoading: round(median(e2e.map((m) => m.starvedShareWhileLoading)), 3),
        bulkInFlight: round(median(e2e.map((m) => m.bulkInFlight)), 2),
        rawBulkInFlight: round(median(raw.map((m) => m.bulkInFlight)), 2),
      };
    });
  },

  tables(results) {
    const spreadCell = (r: CaseResult, name: string, digits = 0) => formatSpread(spreadOf(r, name), digits);
    return [
      {
        title: `Throughput: ${formatNumber(results[0]?.rows as number)} rows, median (min–max) of ${results[0]?.repetitions} alternating runs each`,
        headers: [
          'versions',
          'e2e docs/s',
          'raw bulk docs/s',
          'e2eOverRawBulk',
          'while loading',
          'raw read rows/s',
          'e2e rows/s ÷ raw read',
          'starved share (while loading)',
          'bulk requests in flight: e2e / raw',
        ],
        rows: results.map((r) => [
          r.versions as number,
          spreadCell(r, 'docsPerSec'),
          spreadCell(r, 'rawBulkDocsPerSec'),
          spreadCell(r, 'e2eOverRawBulk', 2),
          spreadCell(r, 'e2eOverRawBulkWhileLoading', 2),
          spreadCell(r, 'rawReadRowsPerSec'),
          formatNumber(r.e2eRowsOverRawRead as number, 2),
          `${formatShare(r.starvedShare as number)} (${formatShare(r.starvedShareWhileLoading as number)})`,
          `${formatNumber(r.bulkInFlight as number, 2)} / ${formatNumber(r.rawBulkInFlight as number, 2)}`,
        ]),
        note:
          'docs/s counts index operations (rows × versions) per second. While loading: e2eOverRawBulk with the ' +
          "e2e time taken from the first bulk request to the end of the last, without the run's start and its " +
          'end, where the new versions go live (settings restored, a refresh per index, the alias). Starved ' +
          'share: part of the sync wall time with no bulk request in flight; in brackets, the same while ' +
          'loading. Bulk requests in flight: time-averaged, out of a concurrency of 2.',
      },
      {
        title: 'Throughput: work per row',
        headers: [
          'versions',
          'rows read / row',
          'ops / (rows × versions)',
          'rejected + retried (e2e / raw)',
          'CPU ms / 1k rows: sync / raw client',
          'OpenSearch CPU ms / 1k rows: e2e / raw',
          'bytes / doc: e2e / raw',
        ],
        rows: results.map((r) => [
          r.versions as number,
          formatNumber(r.rowsReadPerRowSynced as number, 2),
          formatNumber(r.opsPerRowVersion as number, 3),
          `${(r.rejected as number) + (r.retriedItems as number)} / ${r.rawRejected}`,
          `${formatNumber(r.syncCpuMsPer1kRows as number)} / ${formatNumber(r.rawBulkCpuMsPer1kRows as number)}`,
          `${formatNumber(r.openSearchCpuMsPer1kRows as number)} / ${formatNumber(r.rawOpenSearchCpuMsPer1kRows as number)}`,
          `${r.e2eBytesPerDoc} / ${r.rawBytesPerDoc}`,
        ]),
      },
    ];
  },

  targets(results) {
    const verdicts: TargetVerdict[] = results
      .filter((r) => (r.versions as number) <= 2)
      .map((r) => ({
        target: `e2eOverRawBulk ≥ 0.85 (N = ${r.versions})`,
        measured: formatSpread(spreadOf(r, 'e2eOverRawBulk'), 2),
        met: (r.e2eOverRawBulk as number) >= 0.85,
      }));
    const worst = (name: string) => Math.max(...results.map((r) => r[name] as number));
    const rejections = results.reduce((n, r) => n + (r.rejected as number) + (r.retriedItems as number), 0);
    verdicts.push(
      {
        target: 'rows read per row synced = 1.00 (every N)',
        measured: formatNumber(worst('rowsReadPerRowSynced'), 2),
        met: worst('rowsReadPerRowSynced') <= 1,
      },
      {
        target: 'index operations per (rows × versions) ≤ 1.01',
        measured: formatNumber(worst('opsPerRowVersion'), 3),
        met: worst('opsPerRowVersion') <= 1.01,
      },
      { target: 'rejected + retried items = 0', measured: String(rejections), met: rejections === 0 },
    );
    return verdicts;
  },
};
