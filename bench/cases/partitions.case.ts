import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { BenchCase, BenchContext, CaseResult } from '../bench.case.js';
import { type Dataset, deleteBenchIndexes } from '../bench.environment.js';
import { familyName } from '../bench.families.js';
import { formatNumber, formatShare } from '../bench.format.js';
import { round, sum } from '../bench.stats.js';
import type { PartitionChildReport } from '../partition.child.js';

const CHILD = fileURLToPath(new URL('../partition.child.js', import.meta.url));
const CLAIM_TTL_MS = 5000;
const ROWS_PER_PARTITION = 5000;
/** The slow variant's transform: CPU-bound, this many milliseconds a row. */
const SLOW_TRANSFORM_MS = 1;
/** Rows the slow variant backfills at most (one instance takes SLOW_TRANSFORM_MS a row of them). */
const SLOW_ROWS = 10_000;
/** Where a worker's time goes, as the library reports it; an instance's other time it waited. */
const STEPS = ['reading', 'transforming', 'loading', 'committing', 'claiming'] as const;

interface Instance {
  readonly child: ChildProcess;
  readonly report: Promise<PartitionChildReport | null>;
}

/** Starts one instance process and waits until it is ready; its report comes when it ends. */
async function startInstance(
  dataset: Dataset,
  family: string,
  holder: string,
  role: 'lead' | 'worker',
  transformMs: number,
) {
  const child = spawn(
    process.execPath,
    [
      CHILD,
      ...['--database-url', dataset.url, '--family', family, '--holder', holder, '--role', role],
      ...['--rows-per-partition', String(ROWS_PER_PARTITION), '--claim-ttl-ms', String(CLAIM_TTL_MS)],
      ...['--transform-ms', String(transformMs)],
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let output = '';
  let ready!: () => void;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('ready\n')) ready();
  });
  const report = new Promise<PartitionChildReport | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(null);
      else if (code !== 0) reject(new Error(`partition child ${holder} exited with ${code}`));
      else resolve(JSON.parse(output.trim().split('\n').pop()!) as PartitionChildReport);
    });
  });
  await Promise.race([started, report]);
  return { child, report } satisfies Instance;
}

/**
 * A new version's backfill with `count` instances (one lead and workers): wall time to live, and each
 * instance's rows, CPU and where its time went. With `kill`, the first worker is killed (SIGKILL) once it
 * is mid-partition and the time until another instance claims that partition is measured. With
 * `transformMs`, the transform costs that much CPU a row.
 */
async function backfill(
  ctx: BenchContext,
  dataset: Dataset,
  count: number,
  options: { readonly kill?: boolean; readonly transformMs?: number } = {},
) {
  const { kill = false, transformMs = 0 } = options;
  const family = familyName(ctx.runId, 'parts', count, kill ? 'kill' : transformMs > 0 ? 'slow' : 'run');
  const instances: Instance[] = [];
  try {
    // The lead bootstraps the family first, so the workers find its version registered.
    instances.push(await startInstance(dataset, family, 'lead', 'lead', transformMs));
    for (let i = 1; i < count; i++)
      instances.push(await startInstance(dataset, family, `worker-${i}`, 'worker', transformMs));
    const started = performance.now();
    for (const { child } of instances) child.stdin?.write('go\n');
    let takeoverMs: number | null = null;
    if (kill) {
      for (;;) {
        const [claimed] = await dataset.sql<{ partition: number; token: string }[]>`
          select partition, token::text as token from search_sync.backfill_partitions
          where family = ${family} and holder = 'worker-1' and state = 'claimed' and cursor is not null limit 1`;
        if (claimed) {
          instances[1].child.kill('SIGKILL');
          const killedAt = performance.now();
          for (;;) {
            const [now] = await dataset.sql<{ token: string }[]>`select token::text as token
              from search_sync.backfill_partitions where family = ${family} and partition = ${claimed.partition}`;
            if (Number(now.token) > Number(claimed.token)) break;
            await sleep(10);
          }
          takeoverMs = performance.now() - killedAt;
          break;
        }
        await sleep(10);
      }
    }
    const reports = (await Promise.all(instances.map((i) => i.report))).filter((r) => r !== null);
    const seconds = (performance.now() - started) / 1000;
    return { seconds, reports, takeoverMs };
  } finally {
    for (const { child } of instances) if (child.exitCode === null) child.kill('SIGKILL');
    await deleteBenchIndexes(ctx.env.client, `${family}_*`);
  }
}

/** A run's result, and one per instance: its rows/s, CPU, and where its time went (shares of its wall time). */
function runResults(
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

const describeInstance = (r: CaseResult) =>
  `${r.holder} ${formatNumber(Number(r.rowsPerSecond))} rows/s, ${formatNumber(Number(r.cpuCores), 2)} cores; ` +
  [...STEPS, 'waiting' as const]
    .map((step) => `${step} ${formatShare(Number(r[`${step}Share`]))}`)
    .join(', ');

/**
 * Partitioned backfill (issues 17, 26): rows/s of a new version's backfill with 1, 2 and 3 instances
 * (processes) on the same data, each instance's rows/s, CPU and where its time went (reading,
 * transforming, loading, committing, claiming, waiting for partitions others hold), the same with a
 * CPU-bound transform of SLOW_TRANSFORM_MS a row (which instances should share until the cores are
 * used), and the time from an instance's death to its partition's takeover (the claim TTL, by design).
 */
export const partitionsCase: BenchCase = {
  name: 'partitions',

  async run(ctx) {
    const rows = ctx.config.migration.rows;
    const slowRows = Math.min(rows, SLOW_ROWS);
    const datasets = {
      plain: await ctx.env.dataset(`search_sync_bench_rows_${rows}`, rows, ctx.log),
      slow: await ctx.env.dataset(`search_sync_bench_rows_${slowRows}`, slowRows, ctx.log),
    };
    const results: CaseResult[] = [];
    for (const variant of ['plain', 'slow'] as const) {
      const size = variant === 'plain' ? rows : slowRows;
      const transformMs = variant === 'plain' ? 0 : SLOW_TRANSFORM_MS;
      for (const count of [1, 2, 3]) {
        const { seconds, reports } = await backfill(ctx, datasets[variant], count, { transformMs });
        const measured = runResults(variant, count, size, seconds, reports);
        ctx.log(`  ${variant}, ${count} instance(s): ${formatNumber(size / seconds)} rows/s`);
        for (const instance of measured.slice(1)) ctx.log(`    ${describeInstance(instance)}`);
        results.push(...measured);
      }
    }
    const { takeoverMs } = await backfill(ctx, datasets.plain, 2, { kill: true });
    ctx.log(`  takeover after SIGKILL: ${formatNumber(takeoverMs ?? 0)} ms (claim TTL ${CLAIM_TTL_MS} ms)`);
    results.push({
      case: 'partitions',
      kind: 'takeover',
      instances: 2,
      rows,
      takeoverMs: takeoverMs && Math.round(takeoverMs),
      claimTtlMs: CLAIM_TTL_MS,
    });
    return results;
  },

  tables(results) {
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
        note: `Partitions of ${ROWS_PER_PARTITION} rows, claims of ${CLAIM_TTL_MS} ms; one lead (plans, merges, catches up) and workers; the slow transform spins ${SLOW_TRANSFORM_MS} ms a row.`,
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
  },
};
