import { execFileSync } from 'node:child_process';
import postgres from 'postgres';
import { DATABASE_URL } from './test-database.js';
import { createClient, OPENSEARCH_URL } from './test-opensearch.js';

async function openSearchVersion(): Promise<string | null> {
  const client = createClient();
  try {
    const { body } = await client.info();
    return `${body.version.distribution} ${body.version.number}`;
  } catch {
    return null;
  } finally {
    await client.close();
  }
}

/**
 * The e2e tests need real services. PostgreSQL must be there (the machine runs it); OpenSearch is
 * started from the project's launcher when nothing answers on OPENSEARCH_URL, and stopped at the end
 * only if this run started it. Logs what the tests talk to.
 */
export default async function setup(): Promise<() => void> {
  let startedHere = false;
  let version = await openSearchVersion();
  if (!version) {
    console.log(`e2e: nothing answers on ${OPENSEARCH_URL}; starting the local OpenSearch node`);
    execFileSync('bash', ['scripts/opensearch.sh', 'start'], { stdio: 'inherit' });
    startedHere = true;
    version = await openSearchVersion();
    if (!version) {
      throw new Error(
        `OpenSearch did not come up at ${OPENSEARCH_URL}: see the logs in .opensearch/ (.opensearch-<version>/ for 3.x).`,
      );
    }
  }
  console.log(`e2e: OpenSearch ${version} at ${OPENSEARCH_URL}`);
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select version()`;
    console.log(`e2e: ${String(row.version).split(',')[0]} at ${DATABASE_URL}`);
  } catch (error) {
    throw new Error(
      `PostgreSQL is not answering at ${DATABASE_URL}: set DATABASE_URL or start it. (${error})`,
    );
  } finally {
    await sql.end();
  }
  return () => {
    if (startedHere) execFileSync('bash', ['scripts/opensearch.sh', 'stop'], { stdio: 'inherit' });
  };
}
