import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Client } from '@opensearch-project/opensearch';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import pg from 'pg';
import postgres from 'postgres';
import type { SyncDatabase } from 'search-sync';
import { catalogSchema } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { demoOpenSearch } from '../src/demo/demo.environment.js';
import { progress } from '../src/demo/demo.progress.js';
import { BulkGauge } from './bench.gauges.js';

/** dist/bench/… and bench/… both sit two levels below the repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** What demoOpenSearch connects to (and starts the local node on, if nothing answers). */
export const OPENSEARCH_URL = process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200';

/** The main data set's database: throughput, reads and tuning all sync exactly its rows. */
export const MAIN_DATABASE = 'search_sync_bench';

export type CatalogDatabase = PostgresJsDatabase<typeof catalogSchema>;

/** A bench database holding a known number of products. */
export interface Dataset {
  readonly name: string;
  readonly url: string;
  readonly sql: postgres.Sql;
  readonly db: CatalogDatabase;
  readonly rows: number;
}

export function databaseUrl(name: string, server = SERVER_URL): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export function connect(url: string): { sql: postgres.Sql; db: CatalogDatabase } {
  // Room for the naive baseline: four pipelines, each with a read and a checkpoint commit in flight.
  const sql = postgres(url, { max: 10, onnotice: () => {} });
  return { sql, db: drizzle(sql, { schema: catalogSchema }) };
}

/**
 * The data set's database through node-postgres (a pg.Pool of the same size), as an application on that
 * driver gives it to the module; `close` ends the pool.
 */
export function connectNodePostgres(url: string): { db: SyncDatabase; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // What pg asks of every application: an idle client whose connection fails is reported here.
  pool.on('error', (error) => console.error(`node-postgres pool: ${error.message}`));
  return { db: drizzleNodePg(pool, { schema: catalogSchema }), close: () => pool.end() };
}

/** The OpenSearch node and the bench databases, opened once per run and closed at the end. */
export class BenchEnvironment {
  private readonly datasets = new Map<string, Dataset>();

  readonly bulkGauge: BulkGauge;

  private constructor(readonly client: Client) {
    this.bulkGauge = new BulkGauge(client);
  }

  static async open(): Promise<BenchEnvironment> {
    return new BenchEnvironment(await demoOpenSearch());
  }

  /**
   * The database `name` holding exactly `rows` products: created and migrated if missing, topped up
   * when it holds fewer (seeding appends), emptied and seeded again when it holds more. Seeding is the
   * slow part, so a data set whose count matches is reused as it is.
   */
  async dataset(
    name: string,
    rows: number,
    log: (message: string) => void,
    server = SERVER_URL,
  ): Promise<Dataset> {
    let connection = this.datasets.get(name);
    if (!connection) {
      await createDatabase(name, server);
      const url = databaseUrl(name, server);
      const { sql, db } = connect(url);
      await migrate(db, { migrationsFolder: join(REPO_ROOT, 'drizzle') });
      connection = { name, url, sql, db, rows };
    }
    const { sql, db } = connection;
    let [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from products`;
    if (count > rows) {
      await sql`truncate product_tags, products`;
      count = 0;
    }
    if (count < rows) {
      log(`seeding ${name}: ${count.toLocaleString('en-US')} → ${rows.toLocaleString('en-US')} products`);
      const bar = progress(`seeding ${name}`, rows - count);
      let reported = 0;
      await seedCatalog(db, {
        products: rows - count,
        chunk: 50_000,
        onProgress: (done) => {
          bar.advance(done - reported);
          reported = done;
        },
      });
      bar.stop();
    }
    // Autovacuum may be off (it is on the reference machine): without statistics the planner's estimate
    // for the relational row query is so high that PostgreSQL JIT-compiles it, ~250 ms per batch.
    await sql`analyze products, product_tags, categories, tags`;
    const dataset = { ...connection, rows };
    this.datasets.set(name, dataset);
    return dataset;
  }

  /** Closes a data set's connections (before its server goes away); `dataset` opens them again. */
  async release(name: string): Promise<void> {
    await this.datasets.get(name)?.sql.end();
    this.datasets.delete(name);
  }

  /**
   * CPU time the OpenSearch node(s) have used, sampled at or after this call. Nodes cache process stats
   * for a second, so it asks again until the sample is newer than the call: a stale one would move part
   * of a short measurement's CPU outside it.
   */
  async openSearchCpuMs(): Promise<number> {
    const asOf = Date.now();
    for (;;) {
      const response = await this.client.nodes.stats({ metric: 'process' } as never);
      const nodes = Object.values(
        (response.body as { nodes: Record<string, { process: ProcessStats }> }).nodes,
      );
      if (nodes.every((node) => node.process.timestamp >= asOf)) {
        return nodes.reduce((sum, node) => sum + node.process.cpu.total_in_millis, 0);
      }
      await sleep(100);
    }
  }

  async close(): Promise<void> {
    for (const dataset of this.datasets.values()) await dataset.sql.end();
    await this.client.close();
  }
}

/** Deletes indexes matching `pattern`; every caller passes a `bench_…` pattern of its own run. */
export async function deleteBenchIndexes(client: Client, pattern: string): Promise<void> {
  if (!pattern.startsWith('bench_'))
    throw new Error(`refusing to delete indexes outside bench_*: ${pattern}`);
  await client.indices.delete({ index: pattern, ignore_unavailable: true, expand_wildcards: 'all' } as never);
}

interface ProcessStats {
  readonly timestamp: number;
  readonly cpu: { readonly total_in_millis: number };
}

/** Share of all cores' time spent busy over `ms`, whoever was busy. */
async function machineBusyShare(ms: number): Promise<number> {
  const totals = () =>
    os.cpus().reduce(
      (sum, { times }) => {
        const busy = times.user + times.nice + times.sys + times.irq;
        return { busy: sum.busy + busy, all: sum.all + busy + times.idle };
      },
      { busy: 0, all: 0 },
    );
  const before = totals();
  await sleep(ms);
  const after = totals();
  return (after.busy - before.busy) / (after.all - before.all);
}

const QUIET_SHARE = 0.15;

/**
 * Waits, at most `maxMs` (3 minutes, or BENCH_QUIET_WAIT_MS), until the cores are mostly idle while the bench itself is: every figure
 * assumes nothing else competes for them (a test suite running beside it halves raw bulk throughput).
 * Returns the last busy share measured, so a run that started anyway says so.
 */
export async function waitForQuiet(
  log: (message: string) => void,
  // BENCH_QUIET_WAIT_MS: on a machine that stays busy (shared by other work) waiting only adds time.
  maxMs = Number(process.env.BENCH_QUIET_WAIT_MS ?? 180_000),
): Promise<number> {
  const deadline = Date.now() + maxMs;
  let busy = await machineBusyShare(500);
  if (busy > QUIET_SHARE) log(`waiting for the machine to go quiet (${Math.round(busy * 100)} % busy)`);
  while (busy > QUIET_SHARE && Date.now() < deadline) busy = await machineBusyShare(5000);
  if (busy > QUIET_SHARE) log(`measuring anyway: still ${Math.round(busy * 100)} % busy`);
  return busy;
}

async function createDatabase(name: string, server: string): Promise<void> {
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
}

export interface RunInfo {
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly ramGb: number;
    readonly os: string;
  };
  readonly versions: Readonly<Record<string, string>>;
  readonly git: { readonly commit: string; readonly libraryChanges: boolean };
}

/** What a reader needs to compare two runs: machine, software versions, and the code measured. */
export async function describeRun(env: BenchEnvironment): Promise<RunInfo> {
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  const [{ server_version: postgresql }] = await admin<{ server_version: string }[]>`show server_version`;
  await admin.end();
  const info = (await env.client.info()).body as { version: { number: string } };
  const packageVersion = (path: string) =>
    (JSON.parse(readFileSync(join(REPO_ROOT, path, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.cpus().length,
      ramGb: Math.round(os.totalmem() / 1024 ** 3),
      os: `${os.type()} ${os.release()}`,
    },
    versions: {
      node: process.versions.node,
      opensearch: info.version.number,
      postgresql,
      'search-sync': packageVersion('.'),
      'drizzle-orm': packageVersion('node_modules/drizzle-orm'),
      postgres: packageVersion('node_modules/postgres'),
      '@opensearch-project/opensearch': packageVersion('node_modules/@opensearch-project/opensearch'),
      typescript: packageVersion('node_modules/typescript'),
    },
    git: gitState(),
  };
}

function gitState(): RunInfo['git'] {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  try {
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      libraryChanges: git('status', '--porcelain', 'libs').length > 0,
    };
  } catch {
    return { commit: 'unknown', libraryChanges: false };
  }
}
