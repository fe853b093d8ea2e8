import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Client } from '@opensearch-project/opensearch';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { OpenSearchAuthError, SearchSyncService } from 'search-sync';
import { SearchSyncHealthIndicator, SearchSyncHealthModule } from 'search-sync/health';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSchema } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsIndex } from './fixtures/catalog.indexes.js';
import { createHttpApp, type HttpApp } from './fixtures/http-app.js';
import { eventually } from './support/eventually.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, OPENSEARCH_URL, uniqueName } from './support/test-opensearch.js';

const MAX_LAG_SECONDS = 1;

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly searchSync: SearchSyncHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.searchSync.isHealthy('search-sync', { maxLagSeconds: MAX_LAG_SECONDS, timeoutMs: 3000 }),
    ]);
  }
}

interface HealthBody {
  readonly status: 'ok' | 'error';
  readonly details: {
    readonly 'search-sync': {
      readonly status: 'up' | 'down';
      readonly postgresql: { status: string; message?: string };
      readonly opensearch: { status: string; message?: string };
      readonly versions: { family: string; version: number; lagSeconds: number; status: string }[];
      readonly problems?: string[];
      readonly message?: string;
    };
  };
}

describe('the @nestjs/terminus health indicator in a Nest HTTP application', () => {
  let database: TestDatabase;
  let direct: Client;
  let opensearch: FaultProxy;
  let proxied: Client;
  let postgresProxy: TcpProxy;
  let appSql: postgres.Sql;
  let http: HttpApp;
  let service: SearchSyncService;
  const family = uniqueName('products');

  const health = async (): Promise<{ code: number; body: HealthBody }> => {
    const response = await fetch(`${http.url}/health`);
    return { code: response.status, body: (await response.json()) as HealthBody };
  };
  const expectUp = async () => {
    const { code, body } = await health();
    expect(body.details['search-sync'].problems ?? []).toEqual([]);
    expect(code).toBe(200);
    expect(body.details['search-sync']).toMatchObject({
      status: 'up',
      postgresql: { status: 'up' },
      opensearch: { status: 'up' },
      versions: [{ family, version: 1, status: 'up' }],
    });
  };
  /** Syncs until nothing waits for the serving version (a transaction open elsewhere on the shared server can hold the horizon). */
  const catchUp = () =>
    eventually(async () => {
      await service.sync(family);
      const [status] = await service.status(family);
      expect(status.versions.map((v) => v.pendingChanges)).toEqual([0]);
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    direct = createClient();
    opensearch = await startFaultProxy(OPENSEARCH_URL);
    proxied = new Client({ node: opensearch.url, maxRetries: 0 });
    const target = new URL(database.url);
    postgresProxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    target.host = `127.0.0.1:${postgresProxy.port}`;
    appSql = postgres(target.toString(), { max: 4, onnotice: () => {} });
    await seedCatalog(database.db, { products: 500 });
    http = await createHttpApp({
      database: drizzle(appSql, { schema: catalogSchema }),
      opensearch: proxied,
      indexes: [productsIndex(family, undefined, { v2: false })],
      imports: [TerminusModule, SearchSyncHealthModule],
      controllers: [HealthController],
    });
    service = http.app.get(SearchSyncService);
    await catchUp();
  });

  afterAll(async () => {
    await http?.app.close();
    await appSql?.end({ timeout: 5 });
    await postgresProxy?.close();
    await deleteIndexes(direct, `${family}_*`);
    await proxied.close();
    await opensearch.close();
    await direct.close();
    await database.drop();
  });

  it('is up when both answer and the serving version is caught up, listing it with its lag', async () => {
    await expectUp();
  });

  it('goes down when the serving version lags past the bound, naming the family and version, and up once synced', async () => {
    await database.client`update products set title = 'Lagging ' || id where id % 5 = 0`;
    await eventually(async () => {
      const { code, body } = await health();
      expect(code).toBe(503);
      const detail = body.details['search-sync'];
      expect(detail.status).toBe('down');
      expect(detail.postgresql.status).toBe('up');
      expect(detail.opensearch.status).toBe('up');
      expect(detail.versions).toMatchObject([{ family, version: 1, status: 'down' }]);
      expect(detail.versions[0].lagSeconds).toBeGreaterThan(MAX_LAG_SECONDS);
      expect(detail.problems).toEqual([
        expect.stringMatching(
          new RegExp(`^Family "${family}", version 1 \\(${family}_v1\\): .* past the bound of 1 s`),
        ),
      ]);
    });
    await catchUp();
    await expectUp();
  });

  it('goes down while OpenSearch cannot be reached, and up again when it is back', async () => {
    await opensearch.close();
    try {
      const { code, body } = await health();
      expect(code).toBe(503);
      const detail = body.details['search-sync'];
      expect(detail.opensearch.status).toBe('down');
      expect(detail.postgresql.status).toBe('up');
      expect(detail.message).toMatch(/^OpenSearch cannot be reached \(.*ECONNREFUSED.*\)/);
    } finally {
      await opensearch.open();
    }
    await expectUp();
  });

  it('goes down naming OpenSearch, 401 and the credentials when it refuses them; the failed run logs the same', async () => {
    // A password rotated under the running application.
    opensearch.refuseCredentials = true;
    try {
      const failure = await service.sync(family).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenSearchAuthError);
      const refused = new RegExp(
        `^OpenSearch at ${opensearch.url.replaceAll('.', '\\.')} refused the client \\(401 .*\\): check the client's credentials`,
      );
      expect((failure as Error).message).toMatch(refused);
      const log = await service.runLog(family);
      expect(log.at(-1)).toMatchObject({ outcome: 'failed', error: (failure as Error).message });
      const { code, body } = await health();
      expect(code).toBe(503);
      const detail = body.details['search-sync'];
      expect(detail.postgresql.status).toBe('up');
      expect(detail.opensearch).toEqual({ status: 'down', message: expect.stringMatching(refused) });
      expect(detail.problems).toContainEqual(expect.stringMatching(refused));
    } finally {
      opensearch.refuseCredentials = false;
    }
    await catchUp();
    await expectUp();
  });

  it('goes down while PostgreSQL cannot be reached, and up again when it is back', async () => {
    await postgresProxy.close();
    try {
      const { code, body } = await health();
      expect(code).toBe(503);
      const detail = body.details['search-sync'];
      expect(detail.postgresql.status).toBe('down');
      expect(detail.opensearch.status).toBe('up');
      expect(detail.message).toMatch(/^PostgreSQL cannot be reached/);
      // No status without the database: no version is listed, rather than a made-up lag.
      expect(detail.versions).toEqual([]);
    } finally {
      await postgresProxy.open();
    }
    // The driver reconnects at the next query.
    await eventually(expectUp);
  });
});
