import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  BENCH_DRIVERS,
  type BenchCase,
  type BenchContext,
  type BenchDriver,
  type CaseResult,
  type ResultTable,
  type TargetVerdict,
} from './bench.case.js';
import { benchConfig } from './bench.config.js';
import { BenchEnvironment, deleteBenchIndexes, describeRun, waitForQuiet } from './bench.environment.js';
import { formatNumber } from './bench.format.js';
import {
  BENCHMARKS_MD,
  LATEST_JSON,
  renderSection,
  renderTable,
  renderTargets,
  updateBenchmarks,
  writeLatest,
} from './bench.report.js';
import { round } from './bench.stats.js';
import { freshnessCase } from './cases/freshness.case.js';
import { memoryCase } from './cases/memory.case.js';
import { migrationCase } from './cases/migration.case.js';
import { partitionsCase } from './cases/partitions.case.js';
import { peerCase } from './cases/peer.case.js';
import { pushbackCase } from './cases/pushback.case.js';
import { readsCase } from './cases/reads.case.js';
import { relatedCase } from './cases/related.case.js';
import { throughputCase } from './cases/throughput.case.js';
import { tuningCase } from './cases/tuning.case.js';

/** In order. Freshness writes to its own database, so it can run anywhere; memory seeds the most. */
const CASES: readonly BenchCase[] = [
  throughputCase,
  readsCase,
  tuningCase,
  memoryCase,
  freshnessCase,
  relatedCase,
  migrationCase,
  pushbackCase,
  peerCase,
  partitionsCase,
];

const USAGE = `npm run bench [-- --quick] [-- --case NAME ...]
  --quick      small sizes, one repetition: the whole run in under 2 minutes
  --case NAME  run only these cases (${CASES.map((c) => c.name).join(', ')}); or BENCH_CASES=a,b
  --driver D   the application's Drizzle driver in the freshness case: ${BENCH_DRIVERS.join(' (default) or ')}
Writes bench/results/latest.json; a full run (neither flag) also rewrites the generated section of BENCHMARKS.md.`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      case: { type: 'string', multiple: true },
      driver: { type: 'string', default: BENCH_DRIVERS[0] },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // BENCH_CASES=peer,throughput does what --case does, for runs started through npm scripts.
  values.case ??= process.env.BENCH_CASES?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = (values.case ?? []).filter((name) => !CASES.some((c) => c.name === name));
  if (unknown.length > 0) throw new Error(`unknown case(s): ${unknown.join(', ')}\n${USAGE}`);
  const selected = values.case ? CASES.filter((c) => values.case!.includes(c.name)) : CASES;
  const driver = values.driver as BenchDriver;
  if (!BENCH_DRIVERS.includes(driver)) throw new Error(`unknown driver: ${driver}\n${USAGE}`);

  const started = performance.now();
  const config = benchConfig(values.quick);
  const env = await BenchEnvironment.open();
  const runId = randomBytes(3).toString('hex');
  const ctx: BenchContext = { config, driver, env, runId, log: (m) => console.log(m) };
  // Measurements delete their indexes when they end; an interrupted one would leave them behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void deleteBenchIndexes(env.client, `bench_*${runId}*`).finally(() => process.exit(130));
    });
  }
  const results: CaseResult[] = [];
  const tables: ResultTable[] = [];
  const targets: TargetVerdict[] = [];
  const failed: string[] = [];
  const busyBeforeCase: Record<string, number> = {};
  let run: Awaited<ReturnType<typeof describeRun>>;
  try {
    run = await describeRun(env);
    for (const benchCase of selected) {
      console.log(`\n== ${benchCase.name}`);
      busyBeforeCase[benchCase.name] = round(await waitForQuiet(ctx.log), 3);
      const caseStarted = performance.now();
      try {
        await benchCase.warmUp?.(ctx);
        const caseResults = await benchCase.run(ctx);
        const caseTables = benchCase.tables(caseResults, config);
        results.push(...caseResults);
        tables.push(...caseTables);
        targets.push(...(benchCase.targets?.(caseResults, config) ?? []));
        for (const table of caseTables) console.log(`\n${renderTable(table)}`);
      } catch (error) {
        // One broken case must not throw away the others' figures: it is recorded and the run fails at the end.
        console.error(error);
        failed.push(benchCase.name);
        results.push({ case: benchCase.name, status: 'failed', error: String(error) });
      }
      console.log(`(${benchCase.name}: ${formatNumber((performance.now() - caseStarted) / 1000, 1)} s)`);
    }
  } finally {
    await env.close();
  }

  // The environment that changes what runs or where, so the command reproduces the run.
  const settings = ['DATABASE_URL', 'BENCH_CASES', 'BENCH_QUIET_WAIT_MS', 'BENCH_PEER_PG_PORT']
    .filter((name) => process.env[name])
    .map((name) => `${name}=${process.env[name]} `)
    .join('');
  const command = `${settings}npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
  const totalSeconds = Math.round((performance.now() - started) / 1000);
  const report = {
    date: new Date().toISOString(),
    command,
    totalSeconds,
    busyBeforeCase,
    run,
    config,
    results,
    targets,
  };
  writeLatest(report);
  console.log(`\n${renderTargets(targets)}\n\nWrote ${LATEST_JSON}`);
  // BENCHMARKS.md shows one full run: a quick, partial or other-driver run must not replace its figures.
  if (!values.case && !values.quick && driver === BENCH_DRIVERS[0] && failed.length === 0) {
    updateBenchmarks(renderSection(report, tables));
    console.log(`Updated ${BENCHMARKS_MD}`);
  }
  console.log(`Total: ${formatNumber(totalSeconds / 60, 1)} min (${totalSeconds} s)`);
  if (failed.length > 0) {
    console.error(`Failed cases: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
