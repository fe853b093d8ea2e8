import { parseArgs } from 'node:util';
import { Client } from '@opensearch-project/opensearch';
import { FamilySync, type Loader } from 'search-sync';
import { productsFamily } from '../src/catalog/products.family.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from './bench.config.js';
import {
  connect,
  databaseUrl,
  deleteBenchIndexes,
  MAIN_DATABASE,
  OPENSEARCH_URL,
} from './bench.environment.js';
import { productVersions } from './bench.families.js';
import { formatNumber } from './bench.format.js';
import { markdownTable } from './bench.report.js';
import { median } from './bench.stats.js';

const USAGE = `Where a full sync's time goes: before its first bulk request, loading, and after its last
response (the versions going live: declared settings back, a refresh per index, the alias):
  node dist/bench/phases.measure.js [--database-url URL] [--versions 1,2] [--repetitions 3]
Syncs fresh families of the main bench data set (seeded by npm run bench); deletes their indexes after.`;

interface Phases {
  readonly beforeMs: number;
  readonly loadingMs: number;
  readonly afterMs: number;
}

/** One full sync of a fresh family, timed around its bulk requests. */
async function measure(
  db: ReturnType<typeof connect>['db'],
  client: Client,
  versions: number,
): Promise<Phases> {
  const family = `bench_phases_${versions}_${Date.now()}`;
  let first: number | null = null;
  let last = 0;
  const wrapLoader =
    (loader: Loader): Loader =>
    async (operations) => {
      first ??= performance.now();
      try {
        return await loader(operations);
      } finally {
        last = performance.now();
      }
    };
  const sync = new FamilySync(productsFamily(family, productVersions(versions)), {
    db,
    client,
    batchSize: BENCH_BATCH_SIZE,
    bulk: BENCH_BULK,
    wrapLoader,
  });
  try {
    await sync.prepare();
    const started = performance.now();
    await sync.run();
    const ended = performance.now();
    const firstBulk = first ?? ended;
    return { beforeMs: firstBulk - started, loadingMs: last - firstBulk, afterMs: ended - last };
  } finally {
    await deleteBenchIndexes(client, `${family}_*`);
  }
}

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: databaseUrl(MAIN_DATABASE) },
    versions: { type: 'string', default: '1,2' },
    repetitions: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const { sql, db } = connect(values['database-url']);
const client = new Client({ node: OPENSEARCH_URL });
try {
  const counts = values.versions.split(',').map(Number);
  const runs = new Map(counts.map((n) => [n, [] as Phases[]]));
  // Alternating the version counts, so drift falls on each alike; the first round warms up, untimed.
  for (const n of counts) await measure(db, client, n);
  for (let i = 0; i < Number(values.repetitions); i++)
    for (const n of counts) runs.get(n)?.push(await measure(db, client, n));
  const rows = counts.map((n) => {
    const phases = runs.get(n) ?? [];
    const of = (key: keyof Phases) => formatNumber(median(phases.map((p) => p[key])));
    const total = median(phases.map((p) => p.beforeMs + p.loadingMs + p.afterMs));
    return [String(n), formatNumber(total), of('beforeMs'), of('loadingMs'), of('afterMs')];
  });
  console.log(
    markdownTable(
      ['versions', 'run ms', 'before the first bulk ms', 'loading ms', 'after the last response ms'],
      rows,
    ),
  );
  console.log(`median of ${values.repetitions}`);
} finally {
  await client.close();
  await sql.end();
}
