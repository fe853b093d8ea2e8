import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@opensearch-project/opensearch';
import { FamilySync, type PartitionWorkReport, type PartitionWorkSeconds } from 'search-sync';
import { productsFamily } from '../src/catalog/products.family.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from './bench.config.js';
import { connect, OPENSEARCH_URL } from './bench.environment.js';
import { productVersions } from './bench.families.js';

/** What a partition child prints as its last stdout line. */
export interface PartitionChildReport {
  readonly holder: string;
  readonly role: 'lead' | 'worker';
  /** Rows this process applied through partitions. */
  readonly rows: number;
  readonly seconds: number;
  /** CPU seconds this process spent (user + system) over `seconds`. */
  readonly cpuSeconds: number;
  /** Where its partition work's time went; the rest of `seconds` it waited for partitions (or, the lead, planned, merged and streamed). */
  readonly steps: PartitionWorkSeconds;
}

/**
 * Spends `ms` of CPU time (this process's, by `process.cpuUsage`): a CPU-bound transform of that cost.
 * Not wall time: on a busy machine a wall-clock spin is preempted and costs the core less than it says.
 */
function spin(ms: number): void {
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    const { user, system } = process.cpuUsage(start);
    used = user + system;
  }
}

const USAGE = `One instance of a partitioned backfill of a new family's version 2 (prints "ready", then a report):
  node dist/bench/partition.child.js --database-url URL --family NAME --holder NAME --role lead|worker
    [--rows-per-partition N] [--claim-ttl-ms MS] [--transform-ms MS]
The lead plans, works and merges (a run to the head); a worker works partitions until the plan merged.
--transform-ms makes the version's transform CPU-bound, that many milliseconds a row.`;

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    family: { type: 'string' },
    holder: { type: 'string' },
    role: { type: 'string', default: 'worker' },
    'rows-per-partition': { type: 'string', default: '5000' },
    'claim-ttl-ms': { type: 'string', default: '5000' },
    'transform-ms': { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || !values['database-url'] || !values.family || !values.holder) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const { sql, db } = connect(values['database-url']);
const client = new Client({ node: OPENSEARCH_URL });
const family = values.family;
const holder = values.holder;
const claimTtlMs = Number(values['claim-ttl-ms']);
const transformMs = Number(values['transform-ms']);
const [version] = productVersions(2).slice(1);
const steps = { claiming: 0, reading: 0, transforming: 0, loading: 0, committing: 0 };
let rows = 0;
const add = (report: PartitionWorkReport) => {
  rows += report.rows;
  for (const step of Object.keys(steps) as (keyof PartitionWorkSeconds)[])
    steps[step] += report.seconds[step];
};
try {
  const slow: typeof version = {
    ...version,
    transform: (product) => {
      spin(transformMs);
      return version.transform(product);
    },
  };
  const sync = new FamilySync(productsFamily(family, [transformMs > 0 ? slow : version]), {
    db,
    client,
    batchSize: BENCH_BATCH_SIZE,
    bulk: BENCH_BULK,
    backfill: { partitioned: true, rowsPerPartition: Number(values['rows-per-partition']), minPartitions: 1 },
  });
  if (values.role === 'lead') await sync.prepare();
  console.log('ready');
  // Every instance starts when the parent says so (a line on stdin), so that they start together.
  await new Promise((resolve) => process.stdin.once('data', resolve));
  // An open stdin would keep the process alive once its work is done.
  process.stdin.destroy();
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (values.role === 'lead') {
    await sync.run({ partitions: { holder, claimTtlMs, onReport: add } });
  } else {
    for (;;) {
      add(await sync.workPartitions({ holder, claimTtlMs }));
      const [plan] = await sql`select merged_at from search_sync.backfill_plans where family = ${family}`;
      if (plan?.merged_at) break;
      await sleep(50);
    }
  }
  const used = process.cpuUsage(cpu);
  const report: PartitionChildReport = {
    holder,
    role: values.role === 'lead' ? 'lead' : 'worker',
    rows,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    steps,
  };
  console.log(JSON.stringify(report));
} finally {
  await client.close();
  await sql.end();
}
