import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { BenchCase, BenchContext, CaseResult } from '../bench.case.js';
import { type Dataset, deleteBenchIndexes } from '../bench.environment.js';
import { familyName } from '../bench.families.js';
import { formatNumber } from '../bench.format.js';
import { round } from '../bench.stats.js';
import type { PartitionChildReport } from '../partition.child.js';

const CHILD = fileURLToPath(new URL('../partition.child.js', import.meta.url));
const CLAIM_TTL_MS = 5000;
const ROWS_PER_PARTITION = 5000;

interface Instance {
  readonly child: ChildProcess;
  readonly report: Promise<PartitionChildReport | null>;
}

/** Starts one instance process and waits until it is ready; its report comes when it ends. */
async function startInstance(dataset: Dataset, family: string, holder: string, role: 'lead' | 'worker') {
  const child = spawn(
    process.execPath,
    [
      CHILD,
      ...['--database-url', dataset.url, '--family', family, '--holder', holder, '--role', role],
      ...['--rows-per-partition', String(ROWS_PER_PARTITION), '--claim-ttl-ms', String(CLAIM_TTL_MS)],
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
 * instance's rows and CPU. With `kill`, the first worker is killed (SIGKILL) once it is mid-partition
 * and the time until another instance claims that partition is measured.
 */
async function backfill(ctx: BenchContext, dataset: Dataset, count: number, kill = false) {
  const family = familyName(ctx.runId, 'parts', count, kill ? 'kill' : 'run');
  const instances: Instance[] = [];
  try {
    // The lead bootstraps the family first, so the workers find its version registered.
    instances.push(await startInstance(dataset, family, 'lead', 'lead'));
    for (let i = 1; i < count; i++)
      instances.push(await startInstance(dataset, family, `worker-${i}`, 'worker'));
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
 * Partitioned backfill (issue 17): rows/s of a new version's backfill with 1, 2 and 3 instances (processes)
 * on the same data, each instance's CPU, and the time from an instance's death to its partition's
 * takeover (the claim TTL, by design). On two cores shared with PostgreSQL and OpenSearch, expect little gain.
 */
export const partitionsCase: BenchCase = {
  name: 'partitions',

  async run(ctx) {
    const rows = ctx.config.migration.rows;
    const dataset = await ctx.env.dataset(`search_sync_bench_rows_${rows}`, rows, ctx.log);
    const results: CaseResult[] = [];
    for (const count of [1, 2, 3]) {
      const { seconds, reports } = await backfill(ctx, dataset, count);
      const cpu = reports.map((r) => `${r.holder} ${formatNumber(r.cpuSeconds / r.seconds, 2)}`).join(', ');
      ctx.log(
        `  ${count} instance(s): ${formatNumber(rows / seconds)} rows/s; CPU per instance (cores): ${cpu}`,
      );
      results.push({
        case: 'partitions',
        instances: count,
        rows,
        seconds: round(seconds, 2),
        rowsPerSecond: Math.round(rows / seconds),
        cpuCoresPerInstance: cpu,
        takeoverMs: null,
      });
    }
    const { takeoverMs } = await backfill(ctx, dataset, 2, true);
    ctx.log(`  takeover after SIGKILL: ${formatNumber(takeoverMs ?? 0)} ms (claim TTL ${CLAIM_TTL_MS} ms)`);
    results.push({
      case: 'partitions',
      instances: 2,
      rows,
      takeoverMs: takeoverMs && Math.round(takeoverMs),
      claimTtlMs: CLAIM_TTL_MS,
    });
    return results;
  },

  tables(results) {
    return [
      {
        title: 'Partitioned backfill: instances, rows/s, CPU per instance; takeover after SIGKILL',
        headers: ['instances', 'rows', 'seconds', 'rows/s', 'CPU per instance (cores)', 'takeover (ms)'],
        rows: results.map((r) => [
          String(r.instances),
          String(r.rows),
          r.seconds === undefined ? '' : String(r.seconds),
          r.rowsPerSecond === undefined ? '' : String(r.rowsPerSecond),
          String(r.cpuCoresPerInstance ?? ''),
          r.takeoverMs === null || r.takeoverMs === undefined ? '' : String(r.takeoverMs),
        ]),
        note: `Partitions of ${ROWS_PER_PARTITION} rows, claims of ${CLAIM_TTL_MS} ms; one lead (plans, merges, catches up) and workers.`,
      },
    ];
  },
};
