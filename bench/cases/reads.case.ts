import { productsFamily } from '../../src/catalog/products.family.js';
import type { BenchCase, CaseResult } from '../bench.case.js';
import { familyName, productVersions } from '../bench.families.js';
import { formatNumber, formatSpread } from '../bench.format.js';
import {
  inAlternation,
  mainDataset,
  measureSyncs,
  type SyncMeasurement,
  warmUpOnce,
} from '../bench.measure.js';
import { median, round, spreadFields, spreadOf, sum } from '../bench.stats.js';

/**
 * One read per batch, whatever the number of versions: row queries per batch of one N-version family,
 * and its time against the naive way, N single-version pipelines over the same rows at once.
 */
export const readsCase: BenchCase = {
  name: 'reads',
  warmUp: warmUpOnce,

  async run(ctx) {
    const { config, runId } = ctx;
    const dataset = await mainDataset(ctx);
    const results: CaseResult[] = [];
    for (const n of config.versionCounts) {
      const versions = productVersions(n);
      const ours: SyncMeasurement[] = [];
      const naive: SyncMeasurement[] = [];
      for (let rep = 1; rep <= config.readsRepetitions; rep++) {
        const measureOurs = async () =>
          ours.push(
            await measureSyncs(ctx, dataset, [
              productsFamily(familyName(runId, 'ours', `n${n}`, `r${rep}`), versions),
            ]),
          );
        const measureNaive = async () =>
          naive.push(
            await measureSyncs(
              ctx,
              dataset,
              versions.map((version) =>
                productsFamily(familyName(runId, 'naive', `n${n}`, `v${version.version}`, `r${rep}`), [
                  version,
                ]),
              ),
            ),
          );
        await inAlternation(ctx, rep, measureOurs, measureNaive);
        ctx.log(
          `  N=${n} #${rep}: ours ${formatNumber(ours[ours.length - 1].seconds, 1)} s, ` +
            `naive ${formatNumber(naive[naive.length - 1].seconds, 1)} s`,
        );
      }
      const report = ours[0].reports[0];
      results.push({
        case: 'reads',
        rows: dataset.rows,
        versions: n,
        repetitions: ours.length,
        batches: report.batches,
        rowQueries: report.rowQueries,
        rowQueriesPerBatch: round(report.rowQueries / report.batches, 2),
        rowQueryMs: Math.round(median(ours.map((m) => m.reports[0].rowQueryMs))),
        naiveRowQueries: sum(naive[0].reports.map((r) => r.rowQueries)),
        naiveRowQueryMs: Math.round(median(naive.map((m) => sum(m.reports.map((r) => r.rowQueryMs))))),
        ...spreadFields(
          'seconds',
          ours.map((m) => m.seconds),
          2,
        ),
        ...spreadFields(
          'naiveSeconds',
          naive.map((m) => m.seconds),
          2,
        ),
        ...spreadFields(
          'naiveOverOurs',
          ours.map((m, i) => naive[i].seconds / m.seconds),
          2,
        ),
      });
    }
    return results;
  },

  tables(results) {
    return [
      {
        title: `One read per batch: ${formatNumber(results[0]?.rows as number)} rows, ours (one N-version family) vs naive (N single-version families at once)`,
        headers: [
          'versions',
          'batches',
          'row queries (ours / naive)',
          'row queries per batch',
          'database ms (ours / naive)',
          'time s (ours / naive)',
          'naiveOverOurs',
        ],
        rows: results.map((r) => [
          r.versions as number,
          r.batches as number,
          `${r.rowQueries} / ${r.naiveRowQueries}`,
          formatNumber(r.rowQueriesPerBatch as number, 2),
          `${formatNumber(r.rowQueryMs as number)} / ${formatNumber(r.naiveRowQueryMs as number)}`,
          `${formatSpread(spreadOf(r, 'seconds'), 1)} / ${formatSpread(spreadOf(r, 'naiveSeconds'), 1)}`,
          formatSpread(spreadOf(r, 'naiveOverOurs'), 2),
        ]),
        note: 'Database ms: time spent in the statements that read source rows (RunReport.rowQueryMs), summed over the naive pipelines.',
      },
    ];
  },

  targets(results) {
    return [
      {
        target: 'row queries = batches (every N)',
        measured: results.map((r) => `N=${r.versions}: ${r.rowQueries}/${r.batches}`).join(', '),
        met: results.every((r) => r.rowQueries === r.batches),
      },
    ];
  },
};
