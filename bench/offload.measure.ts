import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BENCH_BATCH_SIZE, BENCH_BULK } from './bench.config.js';
import { connect, type Dataset, databaseUrl, MAIN_DATABASE } from './bench.environment.js';
import { productVersions } from './bench.families.js';
import { formatNumber } from './bench.format.js';
import { bulkRequests, type CatalogRecord, readCatalog } from './bench.raw.js';
import { markdownTable } from './bench.report.js';
import { median } from './bench.stats.js';

/**
 * Whether transforming and serialising on worker threads would free the sync's one JavaScript thread:
 * the same bulk bodies built inline, and built by workers that get each page of DTOs by postMessage and
 * send the bodies back. What the main thread spends is its event loop's active time (the process CPU
 * would count the workers too); wall time shows whether the pipeline would go faster on this machine.
 */

const indexOf = (version: number) => `offload_v${version}`;

interface Timing {
  readonly mainMs: number;
  readonly wallMs: number;
}

/** Runs `work` and returns the main thread's active time and the wall time it took. */
async function timed(work: () => Promise<void> | void): Promise<Timing> {
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  return { mainMs: performance.eventLoopUtilization(before).active, wallMs };
}

function inline(pages: readonly CatalogRecord[][], versions: number): Promise<Timing> {
  const definitions = productVersions(versions);
  return timed(() => {
    for (const page of pages) bulkRequests([page], definitions, indexOf, BENCH_BULK);
  });
}

/** Pages go round the workers, at most two in flight per worker, as a pipeline would keep them fed. */
async function offloaded(pages: readonly CatalogRecord[][], workers: readonly Worker[]): Promise<Timing> {
  // A worker answers its pages in order, so each answer settles the oldest page it was sent.
  const waiting = new Map(workers.map((worker) => [worker, [] as (() => void)[]]));
  const answered = (worker: Worker) => () => waiting.get(worker)?.shift()?.();
  for (const worker of workers) worker.on('message', answered(worker));
  try {
    return await timed(async () => {
      let next = 0;
      const feed = async (worker: Worker) => {
        while (next < pages.length) {
          const page = pages[next++];
          await new Promise<void>((resolve) => {
            waiting.get(worker)?.push(resolve);
            worker.postMessage(page);
          });
        }
      };
      await Promise.all(workers.flatMap((worker) => [feed(worker), feed(worker)]));
    });
  } finally {
    for (const worker of workers) worker.removeAllListeners('message');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string', default: databaseUrl(MAIN_DATABASE) },
      repetitions: { type: 'string', default: '5' },
      workers: { type: 'string', default: String(Math.max(1, availableParallelism() - 1)) },
    },
  });
  const { sql, db } = connect(values['database-url']);
  const dataset = { sql, db } as Dataset;
  const pages = await readCatalog(dataset, BENCH_BATCH_SIZE);
  await sql.end();
  const rows = pages.reduce((sum, page) => sum + page.length, 0);
  const repetitions = Number(values.repetitions);
  const table: string[][] = [];
  for (const versions of [1, 2, 4]) {
    const workers = Array.from(
      { length: Number(values.workers) },
      () => new Worker(new URL(import.meta.url), { workerData: { versions } }),
    );
    // One untimed round each: the JIT, and the workers' module loading.
    await inline(pages, versions);
    await offloaded(pages, workers);
    const here: Timing[] = [];
    const there: Timing[] = [];
    for (let i = 0; i < repetitions; i++) {
      here.push(await inline(pages, versions));
      there.push(await offloaded(pages, workers));
    }
    await Promise.all(workers.map((worker) => worker.terminate()));
    const per1k = (timings: Timing[], key: keyof Timing) =>
      median(timings.map((t) => t[key])) / (rows / 1000);
    table.push([
      String(versions),
      formatNumber(per1k(here, 'mainMs'), 1),
      formatNumber(per1k(there, 'mainMs'), 1),
      formatNumber(per1k(here, 'wallMs'), 1),
      formatNumber(per1k(there, 'wallMs'), 1),
    ]);
  }
  console.log(
    `${formatNumber(rows)} rows in pages of ${BENCH_BATCH_SIZE}, ${values.workers} worker(s), median of ${repetitions}\n`,
  );
  console.log(
    markdownTable(
      [
        'versions',
        'main thread ms / 1k rows: inline',
        'with workers',
        'wall ms / 1k rows: inline',
        'with workers',
      ],
      table,
    ),
  );
}

if (!isMainThread) {
  const versions = productVersions(workerData.versions as number);
  parentPort?.on('message', (page: CatalogRecord[]) => {
    parentPort?.postMessage(bulkRequests([page], versions, indexOf, BENCH_BULK).bodies);
  });
} else {
  await main();
}
