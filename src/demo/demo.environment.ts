import { execFileSync } from 'node:child_process';
import { Client } from '@opensearch-project/opensearch';
import postgres from 'postgres';
import { servePglite } from '../database/pglite.server.js';

/** The database the demo runs on, and how many connections each of its clients may open. */
export interface DemoDatabase {
  readonly url: string;
  /** 1 under PGlite, which serves one connection at a time: the demo's clients then also take turns. */
  readonly maxConnections: number;
  /** Which database this is and why, for the demo's first line. */
  readonly description: string;
  /** Stops what the demo started for it (the embedded PGlite); nothing otherwise. */
  close(): Promise<void>;
}

export interface DemoDatabaseOptions {
  /** Used as it is when set. */
  readonly databaseUrl?: string;
  /** `host:port` of the local PostgreSQL, where the demo creates its `search_sync_demo` database. */
  readonly localServer: string;
  /** Where the embedded PGlite keeps its data when no PostgreSQL answers: a directory, or `memory://`. */
  readonly pgliteDataDir: string;
}

const DEMO_DATABASE = 'search_sync_demo';
// The application's pool on a real server, as DatabaseModule sizes it by default.
const POOL_SIZE = 8;

/** DATABASE_URL, PGHOST and PGPORT (the libpq variables, default 127.0.0.1:5432), and `.pglite/`. */
function demoDatabaseOptions(env: NodeJS.ProcessEnv = process.env): DemoDatabaseOptions {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    localServer: `${env.PGHOST || '127.0.0.1'}:${env.PGPORT || '5432'}`,
    // On disk rather than in memory: the indexes outlive the process, and a fresh database would meet
    // indexes and an alias ahead of it; a rerun also skips initdb and the seeding.
    pgliteDataDir: '.pglite',
  };
}

/**
 * DATABASE_URL if set; else a `search_sync_demo` database on the local PostgreSQL, created on first use;
 * if no PostgreSQL answers there, an embedded PGlite served over a localhost socket.
 */
export async function demoDatabase(
  options: DemoDatabaseOptions = demoDatabaseOptions(),
): Promise<DemoDatabase> {
  const nothing = async () => {};
  if (options.databaseUrl) {
    return {
      url: options.databaseUrl,
      maxConnections: POOL_SIZE,
      description: 'DATABASE_URL',
      close: nothing,
    };
  }
  const unreachable = await createDemoDatabase(options.localServer);
  if (!unreachable) {
    return {
      url: `postgres://postgres@${options.localServer}/${DEMO_DATABASE}`,
      maxConnections: POOL_SIZE,
      description: `${DEMO_DATABASE} on the local PostgreSQL at ${options.localServer}`,
      close: nothing,
    };
  }
  try {
    const pglite = await servePglite(options.pgliteDataDir);
    try {
      await probe(pglite.url);
    } catch (error) {
      await pglite.close();
      throw new Error(`postgres.js got no answer from it: ${messageOf(error)}`);
    }
    return {
      url: pglite.url,
      maxConnections: 1,
      description:
        `embedded PGlite in ${options.pgliteDataDir}, served on ${new URL(pglite.url).host} to one connection ` +
        `at a time (no PostgreSQL answers at ${options.localServer}: ${unreachable})`,
      close: () => pglite.close(),
    };
  } catch (error) {
    throw new Error(
      `No PostgreSQL answers at ${options.localServer} (${unreachable}), and the embedded PGlite in ` +
        `${options.pgliteDataDir} could not serve (${messageOf(error)}). Set DATABASE_URL to a reachable database.`,
    );
  }
}

/**
 * Creates the demo database on the local server unless it exists. Returns why the server cannot be
 * reached, or null; a server that answers but refuses (authentication, rights) is an error to fix, not
 * a reason to run elsewhere.
 */
async function createDemoDatabase(server: string): Promise<string | null> {
  const admin = postgres(`postgres://postgres@${server}/postgres`, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 5,
  });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${DEMO_DATABASE}`;
    if (!exists) await admin.unsafe(`create database ${DEMO_DATABASE}`);
    return null;
  } catch (error) {
    if (!(error instanceof postgres.PostgresError)) return messageOf(error);
    throw new Error(
      `The PostgreSQL at ${server} refused to set up the ${DEMO_DATABASE} database (${error.message}). ` +
        'Set DATABASE_URL to a database the demo may use.',
    );
  } finally {
    await admin.end();
  }
}

/** One query through postgres.js, the way every client of the demo will talk to the database. */
async function probe(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await sql`select 1`;
  } finally {
    await sql.end();
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** OPENSEARCH_URL if something answers there, else the project's local node, started for the demo. */
export async function demoOpenSearch(): Promise<Client> {
  const node = process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200';
  const client = new Client({ node });
  try {
    await client.info();
  } catch {
    console.log(
      `Nothing answers on ${node}: starting the local OpenSearch node (first start builds it with Maven).`,
    );
    execFileSync('bash', ['scripts/opensearch.sh', 'start'], {
      stdio: 'inherit',
      env: { ...process.env, OPENSEARCH_URL: node },
    });
  }
  return client;
}
