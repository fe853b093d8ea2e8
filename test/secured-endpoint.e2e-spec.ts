import { inspect } from 'node:util';
import { ScheduleModule } from '@nestjs/schedule';
import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { inArray } from 'drizzle-orm';
import { SearchSyncService } from 'search-sync';
import { SearchSyncMetricsModule } from 'search-sync/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsIndex } from './fixtures/catalog.indexes.js';
import { createHttpApp, type HttpApp } from './fixtures/http-app.js';
import { CaptureLogger } from './support/capture.logger.js';
import { eventually } from './support/eventually.js';
import {
  type Credentials,
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

/**
 * A cluster as production runs one: TLS with a certificate of a private CA, and basic authentication
 * (test/support/secured-proxy.ts in front of the local node). The module works through it with the
 * options a user passes (`auth`, `ssl.ca`, credentials in the node URL); a wrong or rotated password
 * fails bootstrap or the run saying so; and no credential ever shows: every log line (verbose and
 * debug included), error, status, metric, run log entry and state row the file produced is searched
 * for them at the end. The command line is test/secured-cli.e2e-spec.ts.
 */
describe('the module against a secured OpenSearch endpoint: TLS with a private CA, basic authentication', () => {
  const credentials = testCredentials('Pw');
  const wrong = testCredentials('Wrong');
  const family = uniqueName('secured');
  /** What an operator or a log pipeline sees besides the log: status, run log, dead letters, metrics, errors. */
  const captured: string[] = [];
  const logger = new CaptureLogger();
  let database: TestDatabase;
  let proxy: SecuredProxy;
  let direct: Client;

  const clientOptions = (auth: Credentials): ClientOptions => ({
    node: proxy.url,
    auth,
    ssl: { ca: proxy.ca },
    maxRetries: 0,
  });
  /** What a refused password fails with: OpenSearch, the node, the failed authentication, what to check. */
  const refusal =
    /OpenSearch at https:\/\/127\.0\.0\.1:\d+ refused the client \(401 Unauthorized, authentication failed\): check the client's credentials/;
  /** What serves /metrics: prom-client's global registry, without its process metrics (registered once only). */
  const metrics = () => [
    PrometheusModule.register({ defaultMetrics: { enabled: false } }),
    SearchSyncMetricsModule.forRoot({ statusMaxAgeMs: 0 }),
  ];

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedCatalog(database.db, { products: PRODUCTS });
    proxy = await startSecuredProxy(OPENSEARCH_URL, credentials);
    direct = createClient();
  });

  afterAll(async () => {
    await deleteIndexes(direct, `${family}_*`);
    await direct.close();
    await proxy?.close();
    await database?.drop();
  });

  async function captureApplication(http: HttpApp) {
    const service = http.app.get(SearchSyncService);
    const scraped = await (await fetch(`${http.url}/metrics`)).text();
    expect(scraped).toContain(`family="${family}"`);
    captured.push(
      JSON.stringify(await service.status()),
      JSON.stringify(await service.runLog(family)),
      JSON.stringify(await service.deadLetters(family)),
      scraped,
    );
  }

  it('is really secured: no answer without the CA, 401 without the credentials', async () => {
    const untrusting = new Client({ node: proxy.url, auth: credentials, maxRetries: 0 });
    const anonymous = new Client({ node: proxy.url, ssl: { ca: proxy.ca }, maxRetries: 0 });
    try {
      await expect(untrusting.info()).rejects.toThrow(/unable to verify the first certificate/);
      await expect(anonymous.info()).rejects.toMatchObject({ statusCode: 401 });
    } finally {
      await Promise.all([untrusting.close(), anonymous.close()]);
    }
  });

  it('syncs through it with `auth` and `ssl.ca`, and serves status and metrics', async () => {
    const http = await createHttpApp({
      database: database.db,
      opensearch: clientOptions(credentials),
      indexes: [productsIndex(family, undefined, { v2: false })],
      logger,
      imports: metrics(),
    });
    try {
      const forwarded = proxy.forwarded;
      const result = await http.app.get(SearchSyncService).sync(family);
      expect(result.outcome).toBe('completed');
      expect(proxy.forwarded).toBeGreaterThan(forwarded);
      expect((await readAll(direct, `${family}_v1`)).size).toBe(PRODUCTS);
      await captureApplication(http);
    } finally {
      await http.app.close();
    }
  });

  it('syncs through it with the credentials in the node URL', async () => {
    const http = await createHttpApp({
      database: database.db,
      opensearch: { node: withCredentials(proxy.url, credentials), ssl: { ca: proxy.ca }, maxRetries: 0 },
      indexes: [productsIndex(family, undefined, { v2: false })],
      logger,
    });
    try {
      await database.db
        .update(products)
        .set({ title: 'Renamed' })
        .where(inArray(products.id, [1]));
      expect((await http.app.get(SearchSyncService).sync(family)).outcome).toBe('completed');
      expect((await readAll(direct, `${family}_v1`)).get('1')).toMatchObject({ title: 'Renamed' });
    } finally {
      await http.app.close();
    }
  });

  it('a wrong password fails bootstrap, naming OpenSearch and saying authentication failed', async () => {
    const refused = proxy.refused;
    const failure = await createHttpApp({
      database: database.db,
      opensearch: clientOptions(wrong),
      indexes: [productsIndex(family, undefined, { v2: false })],
      logger,
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(refusal);
    expect(proxy.refused).toBeGreaterThan(refused);
    // The error as a crash report prints it: its cause chain, the client's own error and its fields.
    captured.push(inspect(failure, { depth: Number.POSITIVE_INFINITY }));
  });

  it('a password rotated under the running application fails its scheduled runs the same way, logged and in the run log', async () => {
    const http = await createHttpApp({
      database: database.db,
      opensearch: clientOptions(credentials),
      indexes: [productsIndex(family, { every: 200 }, { v2: false })],
      logger,
      runSchedules: true,
      wakeOnCommit: false,
      imports: [ScheduleModule.forRoot(), ...metrics()],
    });
    const service = http.app.get(SearchSyncService);
    try {
      await database.db
        .update(products)
        .set({ title: 'Again' })
        .where(inArray(products.id, [2]));
      proxy.credentials = testCredentials('Rotated');
      await eventually(async () => {
        expect(logger.lines.join('\n')).toMatch(new RegExp(`error ${family}: run failed: ${refusal.source}`));
        const log = await service.runLog(family);
        expect(log.at(-1)).toMatchObject({
          outcome: 'failed',
          error: expect.stringMatching(refusal),
        });
      });
    } finally {
      proxy.credentials = credentials;
    }
    try {
      // The next scheduled run, with the password the application has again, writes the change.
      await eventually(async () =>
        expect((await readAll(direct, `${family}_v1`)).get('2')).toMatchObject({ title: 'Again' }),
      );
      await captureApplication(http);
    } finally {
      await http.app.close();
    }
  });

  it('no credential appears in any log line, error, status, metric, run log entry or state row', async () => {
    const log = logger.lines.join('\n');
    const everything = [...captured, log, await stateTablesText(database)].join('\n');
    // What the file captured is the real thing: the bootstrap, the runs, the failures, the metrics.
    expect(log).toContain(`family "${family}", versions 1`);
    expect(log).toMatch(new RegExp(`run failed: ${refusal.source}`));
    for (const expected of ['"outcome":"failed"', 'search_sync_runs_total', 'ResponseError']) {
      expect(everything).toContain(expected);
    }
    const secrets = [credentials, wrong].flatMap((c) => credentialForms(proxy.url, c));
    expect(secrets.filter((secret) => everything.includes(secret))).toEqual([]);
    // The search finds one when it is there.
    expect(
      secrets.filter((secret) => `${everything}${withCredentials(proxy.url, wrong)}`.includes(secret)),
    ).not.toEqual([]);
  });
});
