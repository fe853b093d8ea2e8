import type { BenchCase, CaseResult } from '../bench.case.js';
import { runChild } from '../bench.child.js';
import { familyName } from '../bench.families.js';
import { formatNumber, formatShare } from '../bench.format.js';
import { round } from '../bench.stats.js';

/**
 * Peak RSS of a sync process at two data set sizes: streaming batch by batch, memory should not grow
 * with the number of rows. Each size has its own database (seeded once, reused by later runs).
 */
export const memoryCase: BenchCase = {
  name: 'memory',

  async run(ctx) {
    const results: CaseResult[] = [];
    let firstPeak = 0;
    for (const rows of ctx.config.memoryRows) {
      const dataset = await ctx.env.dataset(`search_sync_bench_rows_${rows}`, rows, ctx.log);
      const report = await runChild([
        '--database-url',
        dataset.url,
        '--family',
        familyName(ctx.runId, 'mem', rows),
        '--tiny',
      ]);
      if (report.rows !== rows) throw new Error(`the memory sync read ${report.rows} rows, expected ${rows}`);
      firstPeak ||= report.peakRssMb;
      ctx.log(`  ${formatNumber(rows)} rows: peak RSS ${formatNumber(report.peakRssMb)} MB`);
      results.push({
        case: 'memory',
        rows,
        versions: 1,
        document: 'tiny: { sku }',
        peakRssMb: round(report.peakRssMb, 1),
        baselineRssMb: round(report.baselineRssMb, 1),
        peakRssGrowth: round(report.peakRssMb / firstPeak - 1, 3),
        heapAfterGcMb: round(report.heapAfterGcMb ?? Number.NaN, 1),
        seconds: round(report.seconds, 1),
        rowsPerSec: Math.round(rows / report.seconds),
        rowQueries: report.rowQueries,
        batches: report.batches,
      });
    }
    return results;
  },

  tables(results) {
    return [
      {
        title: 'Memory: peak RSS of a sync process (one process per size)',
        headers: [
          'rows',
          'peak RSS MB',
          'RSS before the run MB',
          'growth vs smallest',
          'live heap after GC MB',
          'sync s',
          'rows/s',
        ],
        rows: results.map((r) => [
          formatNumber(r.rows as number),
          formatNumber(r.peakRssMb as number, 1),
          formatNumber(r.baselineRssMb as number, 1),
          formatShare(r.peakRssGrowth as number),
          formatNumber(r.heapAfterGcMb as number, 1),
          formatNumber(r.seconds as number, 1),
          formatNumber(r.rowsPerSec as number),
        ]),
        note:
          'One small version (document { sku }, one keyword field) so a million rows fit the time budget; the ' +
          'full product row with its category and tags is still read and normalised for every row. Live heap ' +
          'after GC: heap still reachable once the run is over and a full collection ran (a leak would show here).',
      },
    ];
  },

  targets(results) {
    const last = results[results.length - 1];
    return [
      {
        target: `peak RSS at ${formatNumber(last.rows as number)} rows within 10 % of ${formatNumber(results[0].rows as number)}`,
        measured: `${formatNumber(results[0].peakRssMb as number)} → ${formatNumber(last.peakRssMb as number)} MB (${formatShare(last.peakRssGrowth as number)})`,
        met: (last.peakRssGrowth as number) <= 0.1,
      },
    ];
  },
};
