import { execFileSync } from 'node:child_process';
import { Client } from '@opensearch-project/opensearch';
import postgres from 'postgres';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/search_sync_demo';

/**
 * The demo's database: DATABASE_URL if set, else a `search_sync_demo` database on the local
 * PostgreSQL, created on first use.
 */
export async function demoDatabaseUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const url = new URL(DEFAULT_DATABASE_URL);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const name = url.pathname.slice(1);
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) await admin.unsafe(`create database ${name}`);
  } catch (error) {
    throw new Error(
      `No PostgreSQL answers at ${adminUrl.host} (${(error as Error).message}). Set DATABASE_URL to a reachable database.`,
    );
  } finally {
    await admin.end();
  }
  return url.toString();
}

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
