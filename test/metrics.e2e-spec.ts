import { Client } from '@opensearch-project/opensearch';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import postgres from 'postgres';
import { SearchSyncService, type SyncResult } from 'search-sync';
import { SearchSyncMetricsModule } from 'search-sync/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsIndex } from './fixtures/catalog.indexes.js';
import { createHttpApp, type HttpApp } from './fixtures/http-app.js';
import { eventually } from './support/eventually.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { scrape, select, total, value } from './support/prometheus-text.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, OPENSEARCH_URL, uniqueName } from './support/test-opensearch.js';

const PRODUCTS = 3000;

describe('Prometheus metrics in a Nest HTTP application (@willsoto/nestjs-prometheus at /metrics)', () => {
  let database: TestDatabase;
  let direct: Client;
  let proxy: FaultProxy;
  let proxied: Client;
  let http: HttpApp;
  let service: SearchSyncService;
  const family = uniqueName('products');
  const metrics = () => scrape(`${http.url}/metrics`);

  beforeAll(async () => {
    database = await createTestDatabase();
    direct = createClient();
    proxy = await startFaultProxy(OPENSEARCH_URL);
    // The loader retries on its own: the client's retries would hide the failures the metrics count.
    proxied = new Client({ node: proxy.url, maxRetries: 0 });
    await seedCatalog(database.db, { products: PRODUCTS });
    http = await createHttpApp({
      database: database.db,
      opensearch: proxied,
      indexes: [productsIndex(family)],
      batchSize: 500,
      bulk: { retry: { maxAttempts: 12, baseDelayMs: 20, maxDelayMs: 200, maxElapsedMs: 30_000 } },
      // prom-client's global registry, which PrometheusModule serves; status read at every scrape.
      imports: [PrometheusModule.register(), SearchSyncMetricsModule.forRoot({ statusMaxAgeMs: 0 })],
    });
    service = http.app.get(SearchSyncService);
  });

  afterAll(async () => {
    await http?.app.close();
    await deleteIndexes(direct, `${family}_*`);
    await proxied.close();
    await proxy.close();
    await direct.close();
    await database.drop();
  });

  it('scraped during a backfill and after it, the metrics agree with the run report', async () => {
    // The checkpoint table is locked so the run's first commit waits: the scrape then happens, for
    // certain, while the run holds the lease with batches loaded and none committed.
    const locker = postgres(database.url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const lock = locker.begin(async (tx) => {
      await tx`lock table search_sync.checkpoints in exclusive mode`;
      locked();
      await released;
    });
    await lockTaken;
    proxy.faultShare = 0.2;
    let run: Promise<SyncResult> | undefined;
    try {
      run = service.sync(family);
      await eventually(async () => {
        const [{ waiting }] = await database.client`select count(*)::int as waiting from pg_locks
          where relation = 'search_sync.checkpoints'::regclass and not granted`;
        expect(waiting).toBeGreaterThan(0);
      });
      const during = await metrics();
      expect(value(during, 'search_sync_lease_held', { family })).toBe(1);
      expect(value(during, 'search_sync_status_up')).toBe(1);
      for (const version of ['1', '2']) {
        expect(value(during, 'search_sync_pending_changes', { family, version })).toBe(PRODUCTS);
        expect(value(during, 'search_sync_backfill_progress_ratio', { family, version })).toBe(0);
        expect(value(during, 'search_sync_version_state', { family, version, state: 'backfilling' })).toBe(1);
        expect(value(during, 'search_sync_changes_applied_total', { family, version })).toBeUndefined();
      }
      expect(total(during, 'search_sync_operations_total', { family, result: 'succeeded' })).toBeGreaterThan(
        0,
      );
      expect(total(during, 'search_sync_bulk_request_duration_seconds_count', { family })).toBeGreaterThan(0);
      expect(select(during, 'search_sync_runs_total', { family })).toEqual([]);
      // Prometheus' own process metrics are in the same registry: the library's share the application's.
      expect(select(during, 'process_cpu_user_seconds_total')).toHaveLength(1);
    } finally {
      release();
      await lock;
      await locker.end();
    }
    const result = await run!;
    proxy.faultShare = 0;
    if (result.outcome !== 'completed') throw new Error(`the run was skipped: ${result.reason}`);
    const { report } = result;

    const after = await metrics();
    for (const version of ['1', '2']) {
      expect(value(after, 'search_sync_changes_applied_total', { family, version })).toBe(PRODUCTS);
      expect(value(after, 'search_sync_pending_changes', { family, version })).toBe(0);
      expect(value(after, 'search_sync_checkpoint_lag_seconds', { family, version })).toBe(0);
      expect(value(after, 'search_sync_dead_letters_open', { family, version })).toBe(0);
      expect(select(after, 'search_sync_backfill_progress_ratio', { family, version })).toEqual([]);
    }
    expect(total(after, 'search_sync_operations_total', { family })).toBe(report.operations);
    expect(total(after, 'search_sync_operations_total', { family, result: 'succeeded' })).toBe(
      report.load.succeeded,
    );
    expect(total(after, 'search_sync_operations_total', { family, result: 'dead_letter' })).toBe(
      report.deadLetters,
    );
    expect(total(after, 'search_sync_bulk_request_duration_seconds_count', { family })).toBe(
      report.load.requests,
    );
    // Every faulted item was sent again: a 503 as a retry counted under its status, a 429 as pushback.
    expect(proxy.faulted).toBeGreaterThan(0);
    expect(total(after, 'search_sync_bulk_retries_total', { family })).toBe(report.load.retriedItems);
    expect(total(after, 'search_sync_bulk_pushback_items_total', { family })).toBe(
      report.load.throttledItems,
    );
    expect(report.load.retriedItems + report.load.throttledItems).toBeGreaterThanOrEqual(proxy.faulted);
    const statuses = select(after, 'search_sync_bulk_retries_total', { family }).map((s) => s.labels.status);
    expect(statuses.every((status) => status === '429' || status === '503')).toBe(true);
    expect(value(after, 'search_sync_runs_total', { family, outcome: 'succeeded' })).toBe(1);
    expect(value(after, 'search_sync_run_duration_seconds_count', { family, outcome: 'succeeded' })).toBe(1);
    expect(value(after, 'search_sync_lease_held', { family })).toBe(0);
    // The first version to go live serves (the alias points at it); the other is live beside it.
    expect(value(after, 'search_sync_version_state', { family, version: '1', state: 'serving' })).toBe(1);
    expect(value(after, 'search_sync_version_state', { family, version: '2', state: 'live' })).toBe(1);
    // Documents are counted once the index refreshes.
    await eventually(async () => {
      const scraped = await metrics();
      expect(value(scraped, 'search_sync_documents', { family, version: '1' })).toBe(PRODUCTS);
    });
  });

  it('counts a run that fails while OpenSearch is down, and still answers the scrape from the database', async () => {
    await database.client`update products set title = 'Changed while down ' || id where id % 10 = 0`;
    await proxy.close();
    try {
      await expect(service.sync(family)).rejects.toThrow(/OpenSearch at \S+ did not answer/);
      const down = await metrics();
      expect(value(down, 'search_sync_runs_total', { family, outcome: 'failed' })).toBe(1);
      expect(value(down, 'search_sync_lease_held', { family })).toBe(0);
      // What the database says is still there; what OpenSearch would say is left out, not made up.
      expect(value(down, 'search_sync_status_up')).toBe(1);
      expect(value(down, 'search_sync_pending_changes', { family, version: '1' })).toBe(PRODUCTS / 10);
      expect(select(down, 'search_sync_documents', { family })).toEqual([]);
    } finally {
      await proxy.open();
    }
    const result = await service.sync(family);
    expect(result.outcome).toBe('completed');
    const back = await metrics();
    expect(value(back, 'search_sync_runs_total', { family, outcome: 'succeeded' })).toBe(2);
    expect(value(back, 'search_sync_pending_changes', { family, version: '1' })).toBe(0);
    expect(value(back, 'search_sync_changes_applied_total', { family, version: '1' })).toBe(
      PRODUCTS + PRODUCTS / 10,
    );
  });
});
