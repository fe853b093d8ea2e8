import type { CaseResult, ResultTable, TargetVerdict } from './bench.case.js';
import { formatNumber, formatShare, formatSpread } from './bench.format.js';
import { spreadOf } from './bench.stats.js';

const modeOf = (r: CaseResult) => (r.pinned ? 'pinned' : 'shared');

export function throughputTables(results: readonly CaseResult[]): ResultTable[] {
  const spreadCell = (r: CaseResult, name: string, digits = 0) => formatSpread(spreadOf(r, name), digits);
  return [
    {
      title: `Throughput: ${formatNumber(results[0]?.rows as number)} rows, median (min–max) of ${results[0]?.repetitions} alternating runs each`,
      headers: [
        'cores',
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
        modeOf(r),
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
        'loading. Bulk requests in flight: time-averaged, out of a concurrency of 2. Cores: shared, every ' +
        'process on every core; pinned, OpenSearch on a core of its own and the sync (or the raw client) ' +
        'with the PostgreSQL backends serving it on the other (taskset), as when the cluster has hardware ' +
        'of its own.',
    },
    {
      title: 'Throughput: work per row',
      headers: [
        'cores',
        'versions',
        'rows read / row',
        'ops / (rows × versions)',
        'rejected + retried (e2e / raw)',
        'CPU ms / 1k rows: sync / raw client',
        'floor CPU ms / 1k rows (read + build + send)',
        'sync ÷ floor',
        'OpenSearch CPU ms / 1k rows: e2e / raw',
        'bytes / doc: e2e / raw',
      ],
      rows: results.map((r) => [
        modeOf(r),
        r.versions as number,
        formatNumber(r.rowsReadPerRowSynced as number, 2),
        formatNumber(r.opsPerRowVersion as number, 3),
        `${(r.rejected as number) + (r.retriedItems as number)} / ${r.rawRejected}`,
        `${formatNumber(r.syncCpuMsPer1kRows as number)} / ${formatNumber(r.rawBulkCpuMsPer1kRows as number)}`,
        `${formatNumber(r.floorCpuMsPer1kRows as number)} (${formatNumber(r.floorReadCpuMsPer1kRows as number)} + ${formatNumber(r.floorBuildCpuMsPer1kRows as number)} + ${formatNumber(r.rawBulkCpuMsPer1kRows as number)})`,
        formatNumber(r.syncCpuOverFloor as number, 2),
        `${formatNumber(r.openSearchCpuMsPer1kRows as number)} / ${formatNumber(r.rawOpenSearchCpuMsPer1kRows as number)}`,
        `${r.e2eBytesPerDoc} / ${r.rawBytesPerDoc}`,
      ]),
      note:
        'Floor: the CPU a minimal client of this process spends on the same rows: the raw keyset read with ' +
        'category and tags in one statement, mapped to the DTO; the same transforms serialised into the ' +
        'same NDJSON bodies; the raw bulk client sending them (each per 1,000 rows).',
    },
  ];
}

export function throughputTargets(results: readonly CaseResult[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = results
    .filter((r) => (r.versions as number) <= 2)
    .map((r) => {
      const goal = r.pinned ? 0.9 : 0.85;
      return {
        target: `e2eOverRawBulk ≥ ${goal} (N = ${r.versions}, ${modeOf(r)})`,
        measured: formatSpread(spreadOf(r, 'e2eOverRawBulk'), 2),
        met: (r.e2eOverRawBulk as number) >= goal,
      };
    });
  for (const r of results.filter((r) => !r.pinned)) {
    verdicts.push({
      target: `sync CPU ÷ floor ≤ 1.5 (N = ${r.versions})`,
      measured: `${formatNumber(r.syncCpuOverFloor as number, 2)} (${formatNumber(r.syncCpuMsPer1kRows as number)} / ${formatNumber(r.floorCpuMsPer1kRows as number)} ms per 1k rows)`,
      met: (r.syncCpuOverFloor as number) <= 1.5,
    });
  }
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
}
