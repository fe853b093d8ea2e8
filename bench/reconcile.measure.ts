import { parseArgs } from 'node:util';
import { FamilySync, type ReconcileOptions } from 'search-sync';
import { productsFamily } from '../src/catalog/products.family.js';
import { BENCH_BATCH_SIZE, BENCH_BULK } from './bench.config.js';
import { BenchEnvironment, deleteBenchIndexes } from './bench.environment.js';
import { productVersions } from './bench.families.js';
import { formatNumber } from './bench.format.js';
import { markdownTable } from './bench.report.js';
import { median } from './bench.stats.js';

const USAGE = `Reconcile of an unchanged version, by counts and row-version sums against by content
(every document, and a 1 % sample), on a data set of its own:
  node dist/bench/reconcile.measure.js [--rows 200000] [--repetitions 3]
Seeds (or reuses) the database bench_reconcile_<rows>, syncs one version, reconciles it each way, deletes
its index after.`;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    repetitions: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const rows = Number(values.rows);
const modes: readonly { readonly name: string; readonly options: ReconcileOptions }[] = [
  { name: 'counts and row-version sums', options: {} },
  { name: 'content, every document', options: { content: true } },
  { name: 'content, 1 % sample', options: { sample: 0.01 } },
];
const env = await BenchEnvironment.open();
const family = `bench_reconcile_${Date.now()}`;
try {
  const { db } = await env.dataset(`bench_reconcile_${rows}`, rows, console.log);
  const sync = new FamilySync(productsFamily(family, productVersions(1)), {
    db,
    client: env.client,
    batchSize: BENCH_BATCH_SIZE,
    bulk: BENCH_BULK,
  });
  await sync.prepare();
  await sync.run();
  const times = new Map(modes.map((m) => [m.name, [] as number[]]));
  const compared = new Map<string, number>();
  // Modes alternate, so drift falls on each alike; the first round warms up, untimed.
  for (let round = 0; round <= Number(values.repetitions); round++) {
    for (const mode of modes) {
      const started = performance.now();
      const [report] = await sync.reconcile(1, mode.options);
      if (round > 0) times.get(mode.name)?.push(performance.now() - started);
      if (report.stale + report.missing + report.orphans > 0)
        throw new Error(`reconcile found differences in an unchanged version: ${JSON.stringify(report)}`);
      compared.set(mode.name, report.compared ?? rows);
    }
  }
  console.log(
    markdownTable(
      ['reconcile', 'documents compared', 'ms', 'documents/s'],
      modes.map(({ name }) => {
        const ms = median(times.get(name) ?? []);
        const documents = compared.get(name) ?? 0;
        return [name, formatNumber(documents), formatNumber(ms), formatNumber((documents / ms) * 1000)];
      }),
    ),
  );
  console.log(`${formatNumber(rows)} products, one version, median of ${values.repetitions}`);
} finally {
  await deleteBenchIndexes(env.client, `${family}_*`);
  await env.close();
}
