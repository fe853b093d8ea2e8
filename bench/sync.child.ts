import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from '@opensearch-project/opensearch';
import { FamilySync } from 'search-sync';
import { productsFamily } from '../src/catalog/products.family.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from './bench.config.js';
import {
  connect,
  databaseUrl,
  deleteBenchIndexes,
  MAIN_DATABASE,
  OPENSEARCH_URL,
} from './bench.environment.js';
import { productsV2Version, productVersions, tinyVersion } from './bench.families.js';

/** What the child prints as its last stdout line. */
export interface ChildReport {
  readonly family: string;
  readonly rows: number;
  readonly operations: number;
  readonly batches: number;
  readonly rowQueries: number;
  readonly seconds: number;
  /** CPU time (user + system) of this process during the run, in ms. */
  readonly cpuMs: number;
  /** RSS once connected and prepared, before the run: what the process weighs doing nothing. */
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  /** Live heap after a full collection at the end (with --expose-gc): what a leak would leave behind. */
  readonly heapAfterGcMb: number | null;
}

const USAGE = `One full sync of a fresh family in a process of its own (peak RSS, CPU profiles):
  node [--expose-gc] [--cpu-prof --cpu-prof-dir=bench/results/profiles] dist/bench/sync.child.js
    [--database-url URL] [--family NAME] [--versions N | --tiny | --v2]
Defaults: the main bench database, a new bench_child_* family, 2 full versions. --v2: version 2 alone (the
peer comparison's shape). Deletes its indexes after.`;

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: databaseUrl(MAIN_DATABASE) },
    family: { type: 'string', default: `bench_child_${randomBytes(3).toString('hex')}` },
    versions: { type: 'string', default: '2' },
    tiny: { type: 'boolean', default: false },
    v2: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const { sql, db } = connect(values['database-url']);
const client = new Client({ node: OPENSEARCH_URL });
const family = values.family;
const versions = values.tiny
  ? [tinyVersion]
  : values.v2
    ? [productsV2Version]
    : productVersions(Number(values.versions));
try {
  const sync = new FamilySync(productsFamily(family, versions), {
    db,
    client,
    batchSize: BENCH_BATCH_SIZE,
    bulk: BENCH_BULK,
  });
  await sync.prepare();
  const baselineRssMb = process.memoryUsage.rss() / 1024 ** 2;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const report = await sync.run();
  const cpu = process.cpuUsage(cpuBefore);
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const result: ChildReport = {
    family,
    rows: report.changes,
    operations: report.operations,
    batches: report.batches,
    rowQueries: report.rowQueries,
    seconds: (performance.now() - started) / 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
    baselineRssMb,
    // maxRSS is in kilobytes.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterGcMb: collect ? process.memoryUsage().heapUsed / 1024 ** 2 : null,
  };
  console.log(JSON.stringify(result));
} finally {
  await deleteBenchIndexes(client, `${family}_*`);
  await client.close();
  await sql.end();
}
