import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@opensearch-project/opensearch';
import { FamilySync } from 'search-sync';
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
}

const USAGE = `One instance of a partitioned backfill of a new family's version 2 (prints "ready", then a report):
  node dist/bench/partition.child.js --database-url URL --family NAME --holder NAME --role lead|worker
    [--rows-per-partition N] [--claim-ttl-ms MS]
The lead plans, works and merges (a run to the head); a worker works partitions until the plan merged.`;

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    family: { type: 'string' },
    holder: { type: 'string' },
    role: { type: 'string', default: 'worker' },
    'rows-per-partition': { type: 'string', default: '5000' },
    'claim-ttl-ms': { type: 'string', default: '5000' },
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
try {
  const sync = new FamilySync(productsFamily(family, productVersions(2).slice(1)), {
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
  let rows = 0;
  if (values.role === 'lead') {
    await sync.run({ partitions: { holder, claimTtlMs } });
    const [own] = await sql<{ rows: string }[]>`select coalesce(sum(claim_rows), 0)::text as rows
      from search_sync.backfill_partitions where family = ${family} and holder = ${holder}`;
    rows = Number(own.rows);
  } else {
    for (;;) {
      rows += (await sync.workPartitions({ holder, claimTtlMs })).rows;
      const [plan] = await sql`select merged_at from search_sync.backfill_plans where family = ${family}`;
      if (plan?.merged_at) break;
      await sleep(50);
    }
  }
  const used = process.cpuUsage(cpu);
  const report: PartitionChildReport = {
    holder,
    role: values.role === 'lead' ? 'lead' : 'worker',
    rows: Number(rows),
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
  console.log(JSON.stringify(report));
} finally {
  await client.close();
  await sql.end();
}
