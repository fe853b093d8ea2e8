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
/** Extra pairs for the leading setting: one sample beating the default can be luck. */
const CONFIRMATIONS = 2;

const docsPerSec = (m: SyncMeasurement) => m.reports[0].operations / m.seconds;

interface Samples {
  readonly measurements: SyncMeasurement[];
  /** Each measurement against the mean of the two default runs around it. */
  readonly gains: number[];
}

/**
 * Bulk request size and concurrency, measured: one-version syncs of the main data set per setting,
 * each between two runs of the default and compared with their mean, so drift over the case (as large
 * as the differences measured) cancels. How far the default moved between neighbouring runs is the
 * noise a gain has to beat; the leading setting is measured again before the numbers may recommend it.
 */
export const tuningCase: BenchCase = {
  name: 'tuning',
  warmUp: warmUpOnce,

  async run(ctx) {
    const { config, runId } = ctx;
    const dataset = await mainDataset(ctx);
    let pass = 0;
    const measure = async (bulk: BulkSettings) => {
      const family = productsFamily(
        familyName(runId, 'tune', `o${bulk.maxOperations}`, `c${bulk.concurrency}`, `p${pass++}`),
        productVersions(1),
      );
      const measurement = await measureSyncs(ctx, dataset, [family], bulk);
      ctx.log(
        `  ${bulk.maxOperations} ops × ${bulk.concurrency}: ${formatNumber(docsPerSec(measurement))} docs/s`,
      );
      return measurement;
    };
    const defaults = [await measure(BENCH_BULK)];
    const samples = new Map<BulkSettings, Samples>();
    const measureBetweenDefaults = async (bulk: BulkSettings) => {
      const measurement = await measure(bulk);
      defaults.push(await measure(BENCH_BULK));
      const around =
        (docsPerSec(defaults[defaults.length - 2]) + docsPerSec(defaults[defaults.length - 1])) / 2;
      const entry = samples.get(bulk) ?? { measurements: [], gains: [] };
      entry.measurements.push(measurement);
      entry.gains.push(docsPerSec(measurement) / around - 1);
      samples.set(bulk, entry);
    };
    const grid = config.tuning.maxOperations.flatMap((maxOperations) =>
      config.tuning.concurrency.map((concurrency) => ({
        maxOperations,
        maxBytes: BENCH_BULK.maxBytes,
        concurrency,
      })),
    );
    for (const bulk of grid.filter((settings) => !sameSettings(settings, BENCH_BULK))) {
      await measureBetweenDefaults(bulk);
    }
    const noise = () =>
      Math.max(0, ...defaults.slice(1).map((m, i) => Math.abs(docsPerSec(m) / docsPerSec(defaults[i]) - 1)));
    const gain = (bulk: BulkSettings) => median(samples.get(bulk)!.gains);
    const leader = [...samples.keys()].reduce((a, b) => (gain(b) > gain(a) ? b : a));
    if (gain(leader) > Math.max(noise(), MIN_GAIN)) {
      for (let i = 0; i < CONFIRMATIONS; i++) await measureBetweenDefaults(leader);
    }
    const recommended = gain(leader) > Math.max(noise(), MIN_GAIN) ? leader : BENCH_BULK;
    const result = (
      bulk: BulkSettings,
      measurements: readonly SyncMeasurement[],
      gainOverDefault: number,
    ): CaseResult => ({
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
      ...spreadFields('docsPerSec', measurements.map(docsPerSec)),
      gainOverDefault: round(gainOverDefault, 3),
      defaultNoise: round(noise(), 3),
      opsPerRequest: Math.round(
        median(measurements.map((m) => m.reports[0].operations / m.reports[0].load.requests)),
      ),
      starvedShare: round(median(measurements.map((m) => m.starvedShare)), 3),
      bulkInFlight: round(median(measurements.map((m) => m.bulkInFlight)), 2),
    });
    return [
      result(BENCH_BULK, defaults, 0),
      ...[...samples].map(([bulk, { measurements }]) => result(bulk, measurements, gain(bulk))),
    ];
  },

  tables(results) {
    const recommended = results.find((r) => r.recommended);
    const noise = formatShare(results[0]?.defaultNoise as number);
    const verdict =
      recommended?.isDefault === true
        ? `No setting beats the default (${recommended.maxOperations} ops × ${recommended.concurrency}) by more than the default moved between neighbouring runs (${noise}) or 5 %: the numbers support keeping it.`
        : `${recommended?.maxOperations} ops × ${recommended?.concurrency} beats the default by ${formatShare(recommended?.gainOverDefault as number)} (median of ${recommended?.runs} runs), more than the default moved between neighbouring runs (${noise}): the numbers support it as the default.`;
    return [
      {
        title: `Bulk tuning: 1 version, ${formatNumber(results[0]?.rows as number)} rows, batches of ${results[0]?.batchSize} rows`,
        headers: [
          'maxOperations',
          'maxBytes',
          'concurrency',
          'docs/s',
          'runs',
          'vs the defaults around it',
          'ops / request',
          'starved share',
          'bulk requests in flight',
        ],
        rows: results.map((r) => [
          `${r.maxOperations}${r.isDefault ? ' (default)' : ''}`,
          `${formatNumber((r.maxBytes as number) / 1024 ** 2)} MiB`,
          r.concurrency as number,
          formatSpread(spreadOf(r, 'docsPerSec')),
          r.runs as number,
          r.isDefault ? '–' : formatShare(r.gainOverDefault as number),
          r.opsPerRequest as number,
          formatShare(r.starvedShare as number),
          formatNumber(r.bulkInFlight as number, 2),
        ]),
        note:
          `${verdict} "vs the defaults around it": median gain over the mean of the default runs just before and ` +
          `after each run. A request never holds more than one batch's operations (batch size × versions), and at ` +
          'most batchesInFlight (2) batches load at once, so maxOperations above the batch size and concurrency ' +
          'above the requests those batches make change nothing.',
      },
    ];
  },
};
