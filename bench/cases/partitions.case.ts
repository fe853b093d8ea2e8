import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { BenchCase, BenchContext, CaseResult } from '../bench.case.js';
import { type Dataset, deleteBenchIndexes } from '../bench.environment.js';
import { familyName } from '../bench.families.js';
import { formatNumber } from '../bench.format.js';
import { describeInstance, partitionTables, runResults } from '../bench.partitions-report.js';
import type { PartitionChildReport } from '../partition.child.js';

const CHILD = fileURLToPath(new URL('../partition.child.js', import.meta.url));
const CLAIM_TTL_MS = 5000;
const ROWS_PER_PARTITION = 5000;
/** The slow variant's transform: CPU-bound, this many milliseconds of CPU a row. */
const SLOW_TRANSFORM_MS = 1;
/**
 * The slow variant: rows at most (one instance spends SLOW_TRANSFORM_MS of CPU on each), partitions
 * small enough that three instances all get some, and claims that outlast a page's transform (1,000 rows,
 * a second of CPU, several seconds on a loaded machine: the claim is renewed between pages, not during one).
 */
const SLOW = { rows: 10_000, rowsPerPartition: 1000, claimTtlMs: 20_000 };

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
  variant: { readonly transformMs: number; readonly rowsPerPartition: number; readonly claimTtlMs: number },
) {
  const child = spawn(
    process.execPath,
    [
      CHILD,
      ...['--database-url', dataset.url, '--family', family, '--holder', holder, '--role', role],
      ...[
        '--rows-per-partition',
        String(variant.rowsPerPartition),
        '--claim-ttl-ms',
        String(variant.claimTtlMs),
      ],
      ...['--transform-ms', String(variant.transformMs)],
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
  const slow = transformMs > 0;
  const family = familyName(ctx.runId, 'parts', count, kill ? 'kill' : slow ? 'slow' : 'run');
  const variant = slow
    ? { transformMs, rowsPerPartition: SLOW.rowsPerPartition, claimTtlMs: SLOW.claimTtlMs }
    : { transformMs, rowsPerPartition: ROWS_PER_PARTITION, claimTtlMs: CLAIM_TTL_MS };
  const instances: Instance[] = [];
  try {
    // The lead bootstraps the family first, so the workers find its version registered.
    instances.push(await startInstance(dataset, family, 'lead', 'lead', variant));
    for (let i = 1; i < count; i++)
      instances.push(await startInstance(dataset, family, `worker-${i}`, 'worker', variant));
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
    const slowRows = Math.min(rows, SLOW.rows);
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
    return partitionTables(
      results,
      `Partitions of ${ROWS_PER_PARTITION} rows, claims of ${CLAIM_TTL_MS} ms; one lead (plans, merges, catches up) and workers. ` +
        `Slow: the transform spends ${SLOW_TRANSFORM_MS} ms of CPU a row, partitions of ${SLOW.rowsPerPartition} rows, claims of ${SLOW.claimTtlMs} ms.`,
    );
  },
};
