import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { CLI_MODULE, type CliOutcome, runCli } from './support/cli.process.js';
import {
  credentialForms,
  type SecuredProxy,
  startSecuredProxy,
  testCredentials,
  withCredentials,
} from './support/secured-proxy.js';
import { stateTablesText } from './support/state-tables.dump.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import {
  createClient,
  deleteIndexes,
  OPENSEARCH_URL,
  readAll,
  uniqueName,
} from './support/test-opensearch.js';

const PRODUCTS = 200;
const BAD = [7, 8];

/**
 * `search-sync` against a secured endpoint (test/support/secured-proxy.ts: TLS with a private CA, basic
 * authentication), configured as a deployment configures it: credentials in OPENSEARCH_URL and the CA's
 * file in OPENSEARCH_CA, read by the application module (test/fixtures/cli.module.ts). Every command's
 * output, with --verbose, and every state row are searched for the credentials at the end.
 */
describe('the command line against a secured OpenSearch endpoint', () => {
  const credentials = testCredentials('Pw');
  const wrong = testCredentials('Wrong');
  const family = uniqueName('secured_cli');
  const outputs: string[] = [];
  let database: TestDatabase;
  let proxy: SecuredProxy;
  let direct: Client;
  let directory: string;

  beforeAll(async () => {
    // The library's bin and the fixture module, built as cli.e2e-spec.ts builds them.
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
    database = await createTestDatabase();
    await seedCatalog(database.db, { products: PRODUCTS });
    await database.db.update(products).set({ title: 'BAD rating' }).where(inArray(products.id, BAD));
    proxy = await startSecuredProxy(OPENSEARCH_URL, credentials);
    directory = mkdtempSync(join(tmpdir(), 'search-sync-secured-'));
    writeFileSync(join(directory, 'ca.pem'), proxy.ca);
    direct = createClient();
  });

  afterAll(async () => {
    await deleteIndexes(direct, `${family}_*`);
    await direct.close();
    await proxy?.close();
    await database?.drop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  /** One command, every line it printed kept for the final search. */
  async function cli(args: readonly string[], options: { wrong?: boolean; v2?: boolean } = {}) {
    const outcome: CliOutcome = await runCli([...args, '--module', CLI_MODULE, '--verbose'], {
      ...process.env,
      DATABASE_URL: database.url,
      OPENSEARCH_URL: withCredentials(proxy.url, options.wrong ? wrong : credentials),
      OPENSEARCH_CA: join(directory, 'ca.pem'),
      CLI_FAMILY: family,
      CLI_V2: options.v2 ? '1' : '',
    });
    outputs.push(outcome.stdout, outcome.stderr);
    return outcome;
  }

  it('syncs, shows status, plans, backfills and lists dead letters through it', async () => {
    const sync = await cli(['sync', family]);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toContain(family);
    expect((await readAll(direct, `${family}_v1`)).size).toBe(PRODUCTS);

    const status = await cli(['status', family, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)[0].versions).toMatchObject([{ version: 1, documents: PRODUCTS }]);

    // plan exits 4: version 2's mapping rejects the BAD rows, which the backfill then dead-letters.
    const plan = await cli(['plan', family, '2', '--json'], { v2: true });
    expect(plan.code).toBe(4);
    expect(JSON.parse(plan.stdout)).toMatchObject({ family, version: 2, documents: { rows: PRODUCTS } });
    expect((await cli(['plan', family, '2'], { v2: true })).stdout).toMatch(/Mappings:/);

    expect((await cli(['backfill', family, '--progress'], { v2: true })).code).toBe(0);
    const letters = await cli(['dead-letters', family, '--json'], { v2: true });
    expect(
      JSON.parse(letters.stdout)
        .map((l: { documentId: string }) => l.documentId)
        .sort(),
    ).toEqual(BAD.map(String));
  });

  it('with a wrong password stops with one line naming OpenSearch and the failed authentication', async () => {
    const outcome = await cli(['sync', family], { wrong: true });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(
      /^search-sync: .*OpenSearch at https:\/\/127\.0\.0\.1:\d+ refused the client \(401 Unauthorized, authentication failed\)/m,
    );
  });

  it('prints no credential in any output, --verbose included, and leaves none in the state rows', async () => {
    const everything = [...outputs, await stateTablesText(database)].join('\n');
    // What the file captured is the real thing: reports, plan, dead letters, the failure and its stack.
    for (const expected of [family, 'Mappings:', 'MAPPER_PARSING', 'authentication failed', '    at ']) {
      expect(everything.toUpperCase()).toContain(expected.toUpperCase());
    }
    const secrets = [credentials, wrong].flatMap((c) => credentialForms(proxy.url, c));
    expect(secrets.filter((secret) => everything.includes(secret))).toEqual([]);
  });
});
