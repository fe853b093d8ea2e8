import { productsFamily } from '../../src/catalog/products.family.js';
import type { BenchCase, CaseResult } from '../bench.case.js';
import { BENCH_BATCH_SIZE, BENCH_BULK, type BulkSettings } from '../bench.config.js';
import { familyName, productVersions } from '../bench.families.js';
import { formatNumber, formatShare, formatSpread } from '../bench.format.js';
import { mainDataset, measureSyncs, type SyncMeasurement, warmUpOnce } from '../bench.measure.js';
import { median, round, spreadFields, spreadOf } from '../bench.stats.js';

const sameSettings = (a: BulkSettings, b: BulkSettings) =>
  a.maxOperations === b.maxOperations && a.maxBytes === b.maxBytes && a.concurrency === b.concurrency;

/** Below this gain over the default, a change of default is not worth making on a noisy 2-core machine. */
const MIN_GAIN = 0.05;

/**
 * Bulk request size and concurrency, measured: one-version syncs of the main data set per setting. The
 * default is measured first and last, so its own spread shows how much of a difference is noise.
 */
export const tuningCase: BenchCase = {
  name: 'tuning',
  warmUp: warmUpOnce,

  async run(ctx) {
    const { config, runId } = ctx;
    const dataset = await mainDataset(ctx);
    const grid = config.tuning.maxOperations.flatMap((maxOperations) =>
      config.tuning.concurrency.map((concurrency) => ({
        maxOperations,
        maxBytes: BENCH_BULK.maxBytes,
        concurrency,
      })),
    );
    const others = grid.filter((settings) => !sameSettings(settings, BENCH_BULK));
    const samples = new Map<BulkSettings, SyncMeasurement[]>([BENCH_BULK, ...others].map((s) => [s, []]));
    for (const [pass, bulk] of [BENCH_BULK, ...others, BENCH_BULK].entries()) {
      const family = productsFamily(
        familyName(runId, 'tune', `o${bulk.maxOperations}`, `c${bulk.concurrency}`, `p${pass}`),
        productVersions(1),
      );
      const measurement = await measureSyncs(ctx, dataset, [family], { bulk });
      samples.get(bulk)!.push(measurement);
      ctx.log(
        `  ${bulk.maxOperations} ops × ${bulk.concurrency}: ${formatNumber(measurement.reports[0].operations / measurement.seconds)} docs/s`,
      );
    }
    const rates = (bulk: BulkSettings) => samples.get(bulk)!.map((m) => m.reports[0].operations / m.seconds);
    const defaultRates = rates(BENCH_BULK);
    const noise = (Math.max(...defaultRates) - Math.min(...defaultRates)) / median(defaultRates);
    const best = [...samples.keys()].reduce((a, b) => (median(rates(b)) > median(rates(a)) ? b : a));
    const gain = median(rates(best)) / median(defaultRates) - 1;
    const recommended = gain > Math.max(noise, MIN_GAIN) ? best : BENCH_BULK;
    return [...samples].map(([bulk, measurements]): CaseResult => {
      const reports = measurements.map((m) => m.reports[0]);
      return {
        case: 'tuning',
        rows: dataset.rows,
        versions: 1,
        batchSize: BENCH_BATCH_SIZE,
        maxOperations: bulk.maxOperations,
        maxBytes: bulk.maxBytes,
        concurrency: bulk.concurrency,
        isDefault: bulk === BENCH_BULK,
        recommended: bulk === recommended,
        runs: measurements.length,
        ...spreadFields('docsPerSec', rates(bulk)),
        gainOverDefault: round(median(rates(bulk)) / median(defaultRates) - 1, 3),
        defaultNoise: round(noise, 3),
        opsPerRequest: Math.round(median(reports.map((r) => r.operations / r.load.requests))),
        starvedShare: round(median(measurements.map((m) => m.starvedShare)), 3),
      };
    });
  },

  tables(results) {
    const recommended = results.find((r) => r.recommended);
    const noise = formatShare(results[0]?.defaultNoise as number);
    const verdict =
      recommended?.isDefault === true
        ? `No setting beats the default (${recommended.maxOperations} ops × ${recommended.concurrency}) by more than its own spread (${noise}) or 5 %: the numbers support keeping it.`
        : `${recommended?.maxOperations} ops × ${recommended?.concurrency} beats the default by ${formatShare(recommended?.gainOverDefault as number)}, more than the default's own spread (${noise}): the numbers support it as the default.`;
    return [
      {
        title: `Bulk tuning: 1 version, ${formatNumber(results[0]?.rows as number)} rows, batches of ${results[0]?.batchSize} rows`,
        headers: [
          'maxOperations',
          'maxBytes',
          'concurrency',
          'docs/s',
          'vs default',
          'ops / request',
          'starved share',
        ],
        rows: results.map((r) => [
          `${r.maxOperations}${r.isDefault ? ' (default)' : ''}`,
          `${formatNumber((r.maxBytes as number) / 1024 ** 2)} MiB`,
          r.concurrency as number,
          formatSpread(spreadOf(r, 'docsPerSec')),
          r.isDefault ? '–' : formatShare(r.gainOverDefault as number),
          r.opsPerRequest as number,
          formatShare(r.starvedShare as number),
        ]),
        note:
          `${verdict} A request never holds more than one batch's operations (batch size × versions), and at ` +
          'most batchesInFlight (2) batches load at once, so maxOperations above the batch size and concurrency ' +
          'above the requests those batches make change nothing.',
      },
    ];
  },
};
