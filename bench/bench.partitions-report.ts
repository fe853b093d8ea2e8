import type { CaseResult, ResultTable } from './bench.case.js';
import { formatNumber, formatShare } from './bench.format.js';
import { round, sum } from './bench.stats.js';
import type { PartitionChildReport } from './partition.child.js';

/** Where a worker's time goes, as the library reports it; an instance's other time it waited. */
const STEPS = ['reading', 'transforming', 'loading', 'committing', 'claiming'] as const;

/** A run's result, and one per instance: its rows/s, CPU, and where its time went (shares of its wall time). */
export function runResults(
  variant: string,
  count: number,
  rows: number,
  seconds: number,
  reports: readonly PartitionChildReport[],
): CaseResult[] {
  const run: CaseResult = {
    case: 'partitions',
    kind: 'run',
    variant,
    instances: count,
    rows,
    seconds: round(seconds, 2),
    rowsPerSecond: Math.round(rows / seconds),
    takeoverMs: null,
  };
  return [
    run,
    ...reports.map((r): CaseResult => {
      const busy = sum(STEPS.map((step) => r.steps[step]));
      return {
        case: 'partitions',
        kind: 'instance',
        variant,
        instances: count,
        holder: r.holder,
        rows: r.rows,
        rowsPerSecond: Math.round(r.rows / r.seconds),
        cpuCores: round(r.cpuSeconds / r.seconds, 2),
        ...Object.fromEntries(STEPS.map((step) => [`${step}Share`, round(r.steps[step] / r.seconds, 3)])),
        waitingShare: round(Math.max(0, 1 - busy / r.seconds), 3),
        // What each step costs a row, in this instance (the model in BENCHMARKS.md starts from these).
        ...Object.fromEntries(
          STEPS.map((step) => [
            `${step}MsPer1k`,
            r.rows > 0 ? round((r.steps[step] / r.rows) * 1e6, 1) : null,
          ]),
        ),
      };
    }),
  ];
}

export const describeInstance = (r: CaseResult) =>
  `${r.holder} ${formatNumber(Number(r.rowsPerSecond))} rows/s, ${formatNumber(Number(r.cpuCores), 2)} cores; ` +
  [...STEPS, 'waiting' as const]
    .map((step) => `${step} ${formatShare(Number(r[`${step}Share`]))}`)
    .join(', ');

/** The partitions case's tables: runs, where each instance's time went, what each step cost a row. */
export function partitionTables(results: readonly CaseResult[], note: string): ResultTable[] {
  const of = (kind: string) => results.filter((r) => r.kind === kind);
  const share = (r: CaseResult, step: string) => formatShare(Number(r[`${step}Share`]));
  return [
    {
      title:
        'Partitioned backfill: instances and rows/s (plain transform, and a CPU-bound one); takeover after SIGKILL',
      headers: ['transform', 'instances', 'rows', 'seconds', 'rows/s', 'takeover (ms)'],
      rows: [...of('run'), ...of('takeover')].map((r) => [
        r.kind === 'takeover' ? 'plain' : String(r.variant),
        String(r.instances),
        String(r.rows),
        r.seconds === undefined ? '' : String(r.seconds),
        r.rowsPerSecond === undefined ? '' : String(r.rowsPerSecond),
        r.takeoverMs === null || r.takeoverMs === undefined ? '' : String(r.takeoverMs),
      ]),
      note,
    },
    {
      title: "Partitioned backfill: where each instance's time went (shares of its wall time)",
      headers: ['transform', 'instances', 'instance', 'rows/s', 'CPU (cores)', ...STEPS, 'waiting'],
      rows: of('instance').map((r) => [
        String(r.variant),
        String(r.instances),
        String(r.holder),
        String(r.rowsPerSecond),
        String(r.cpuCores),
        ...[...STEPS, 'waiting'].map((step) => share(r, step)),
      ]),
      note: 'Reading counts only the wait left after the read-ahead; loading is the bulk requests (bodies built, answers awaited); waiting is the rest: partitions others held, and in the lead planning, merging and the stream.',
    },
    {
      title: 'Partitioned backfill: what each step cost an instance, ms per 1,000 rows',
      headers: ['transform', 'instances', 'instance', ...STEPS],
      rows: of('instance').map((r) => [
        String(r.variant),
        String(r.instances),
        String(r.holder),
        ...STEPS.map((step) => String(r[`${step}MsPer1k`] ?? '')),
      ]),
    },
  ];
}
