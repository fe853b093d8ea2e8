import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './bench.environment.js';

const PEER_DIR = join(REPO_ROOT, 'bench/peer');
const JAR = join(PEER_DIR, 'target/peer.jar');
const SOURCES = [join(PEER_DIR, 'pom.xml'), join(PEER_DIR, 'src/main/java/dev/searchsync/peer/SqlJob.java')];
const MAIN_CLASS = 'dev.searchsync.peer.SqlJob';

/** Flink on Java 17 reflects into these packages (the flags Flink's own scripts pass). */
const OPENS = [
  'java.base/java.lang',
  'java.base/java.lang.reflect',
  'java.base/java.net',
  'java.base/java.io',
  'java.base/java.nio',
  'java.base/sun.nio.ch',
  'java.base/java.math',
  'java.base/java.text',
  'java.base/java.time',
  'java.base/java.util',
  'java.base/java.util.concurrent',
  'java.base/java.util.concurrent.atomic',
  'java.base/java.util.concurrent.locks',
  'java.sql/java.sql',
].map((p) => `--add-opens=${p}=ALL-UNNAMED`);

const java = () => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin/java') : 'java');

function works(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the peer can run here: Java, and the launcher with its 108 jars (built from Maven Central by
 * `mvn package` in bench/peer, here if Maven is installed and the build is missing or older than its
 * sources). Returns why not otherwise, for the case's skip message.
 */
export function preparePeer(log: (message: string) => void): { readonly unavailable: string } | null {
  if (!works(java(), ['-version'])) return { unavailable: 'no Java runtime (java, or $JAVA_HOME/bin/java)' };
  const built = existsSync(JAR) && SOURCES.every((file) => statSync(file).mtimeMs <= statSync(JAR).mtimeMs);
  if (built) return null;
  if (!works('mvn', ['-v'])) {
    return { unavailable: `the peer's jars are missing (${JAR}) and Maven is not installed to build them` };
  }
  log('building the peer (mvn package in bench/peer: Flink and its connectors from Maven Central)...');
  try {
    execFileSync('mvn', ['-B', '-q', '-f', join(PEER_DIR, 'pom.xml'), 'clean', 'package'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    return { unavailable: `the peer's Maven build failed: ${String(error).slice(0, 500)}` };
  }
  return null;
}

export type PeerShape = 'v1' | 'v2';

export interface PeerJobOptions {
  readonly port: number;
  readonly database: string;
  /** Unique per job: names its replication slots and Debezium server names. */
  readonly tag: string;
  readonly publication: string;
  readonly openSearchUrl: string;
  /** One sink per index (a statement set: every sink reads the same sources in one job). */
  readonly sinks: readonly { readonly index: string; readonly shape: PeerShape }[];
  /** Debezium's poll interval; its default (500 ms) when absent. */
  readonly pollIntervalMs?: number;
  readonly checkpointDir: string;
}

/** The CDC tables: what the documents read, with REPLICA IDENTITY FULL set on each by the case. */
export const PEER_TABLES = ['products', 'categories', 'tags', 'product_tags'] as const;

const COLUMNS: Record<(typeof PEER_TABLES)[number], string> = {
  products:
    'id INT, sku STRING, title STRING, description STRING, price DECIMAL(10, 2), active BOOLEAN, ' +
    'category_id INT, deleted_at TIMESTAMP_LTZ(6), PRIMARY KEY (id) NOT ENFORCED',
  categories: 'id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED',
  tags: 'id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED',
  product_tags: 'product_id INT, tag_id INT, PRIMARY KEY (product_id, tag_id) NOT ENFORCED',
};

const quoted = (value: string | number) => `'${String(value).replaceAll("'", "''")}'`;

/**
 * The Flink SQL job: one postgres-cdc source per table (its own slot and Debezium server name, the
 * publication made beforehand), and per sink the products joined with their category and the
 * ARRAY_AGG of their tags, written to OpenSearch by id (upserts; join retractions become deletes).
 */
export function peerJobSql(options: PeerJobOptions): string {
  const sources = PEER_TABLES.map((table) => {
    const props: Record<string, string | number> = {
      connector: 'postgres-cdc',
      hostname: '127.0.0.1',
      port: options.port,
      username: 'postgres',
      password: 'postgres',
      'database-name': options.database,
      'schema-name': 'public',
      'table-name': table,
      'slot.name': `${options.tag}_${table}`,
      'decoding.plugin.name': 'pgoutput',
      'debezium.publication.name': options.publication,
      // Several sources would each try to create the publication (and race); it exists already.
      'debezium.publication.autocreate.mode': 'disabled',
      // Otherwise the sources share a JMX name, and all but one wait 60 s for it.
      'debezium.database.server.name': `${options.tag}_${table}`,
      ...(options.pollIntervalMs ? { 'debezium.poll.interval.ms': options.pollIntervalMs } : {}),
    };
    const withClause = Object.entries(props)
      .map(([key, value]) => `  ${quoted(key)} = ${quoted(value)}`)
      .join(',\n');
    return `CREATE TABLE ${table} (${COLUMNS[table]}) WITH (\n${withClause}\n);`;
  });
  const sinks = options.sinks.map(({ index, shape }, i) => {
    const category = shape === 'v2' ? ', category STRING' : '';
    return `CREATE TABLE sink_${i} (id INT, sku STRING, title STRING, description STRING, price DECIMAL(10, 2)${category}, tags ARRAY<STRING>, PRIMARY KEY (id) NOT ENFORCED) WITH (
  'connector' = 'opensearch-2',
  'hosts' = ${quoted(options.openSearchUrl)},
  'index' = ${quoted(index)},
  'sink.bulk-flush.max-actions' = '1000',
  'sink.bulk-flush.interval' = '200ms'
);
INSERT INTO sink_${i}
SELECT p.id, p.sku, p.title, p.description, p.price${shape === 'v2' ? ', c.name' : ''}, t.tags
FROM products p
${shape === 'v2' ? 'LEFT JOIN categories c ON c.id = p.category_id\n' : ''}LEFT JOIN (
  SELECT pt.product_id, ARRAY_AGG(tg.name) AS tags FROM product_tags pt JOIN tags tg ON tg.id = pt.tag_id
  GROUP BY pt.product_id
) t ON t.product_id = p.id
WHERE p.deleted_at IS NULL${shape === 'v2' ? ' AND p.active' : ''};`;
  });
  return [
    "SET 'parallelism.default' = '1';",
    "SET 'execution.checkpointing.interval' = '3s';",
    // The in-memory checkpoint store (5 MB) overflows with the join's state at ~43,000 rows.
    "SET 'state.checkpoint-storage' = 'filesystem';",
    `SET 'state.checkpoints.dir' = ${quoted(`file://${options.checkpointDir}`)};`,
    ...sources,
    ...sinks,
  ].join('\n');
}

export interface PeerJob {
  readonly pid: number;
  /** When the job was submitted (performance.now()): the mini-cluster is up and the sources start. */
  readonly submittedAt: number;
  readonly startedAt: number;
  readonly log: string;
  /**
   * Kills the JVM (the job never ends by itself), waits for it to exit, and deletes its files (SQL,
   * checkpoints, log) unless `keepLog`, for a job that failed.
   */
  stop(keepLog?: boolean): Promise<void>;
}

/** Starts the JVM running `sql` and resolves once the job is submitted; its output goes to a log file. */
export async function startPeerJob(sql: string, tag: string, heap = '1g'): Promise<PeerJob> {
  const dir = `/tmp/search-sync-bench-peer-${tag}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'job.sql');
  const log = join(dir, 'job.log');
  writeFileSync(file, sql);
  const startedAt = performance.now();
  const child = spawn(
    java(),
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      ...OPENS,
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      `${JAR}:${join(PEER_DIR, 'target/lib/*')}`,
      MAIN_CLASS,
      file,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = createWriteStream(log);
  child.stderr.pipe(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const submittedAt = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out.write(chunk);
      text += chunk.toString();
      if (text.includes('submitted ')) resolve(performance.now());
    });
    child.once('exit', (code) =>
      reject(new Error(`the peer JVM exited with ${code} before its job started (see ${log})`)),
    );
    child.once('error', reject);
  });
  return {
    pid: child.pid!,
    submittedAt,
    startedAt,
    log,
    stop: async (keepLog = false) => {
      await stopChild(child, exited);
      out.end();
      if (!keepLog) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}
