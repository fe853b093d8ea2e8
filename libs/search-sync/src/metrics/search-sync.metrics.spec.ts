import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricRegisteredError } from '../errors/metric-registered.error.js';
import type { FamilyStatus } from '../nest/search-sync-status.interface.js';
import { familyStatus, versionStatus as version } from '../nest/search-sync-status.test-fixture.js';
import type { VersionStatus } from '../sync/sync.interface.js';
import { createSearchSyncMetrics } from './search-sync.metrics.js';

const products = (versions: VersionStatus[]) =>
  familyStatus('products', versions, {
    className: 'ProductsIndex',
    horizon: { horizon: 1, changesPastHorizon: 3, holder: null },
  });

/** One sample's value from the text exposition, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function setup(status: () => Promise<FamilyStatus[]>) {
  const registry = new Registry();
  let reads = 0;
  const metrics = createSearchSyncMetrics(
    {
      status: () => {
        reads++;
        return status();
      },
      families: () => ['products'],
    },
    { registry, statusMaxAgeMs: 0 },
  );
  return { registry, metrics, reads: () => reads };
}

describe('createSearchSyncMetrics', () => {
  it('counts what the events say, per family, version and result', async () => {
    const { registry, metrics } = setup(async () => []);
    const family = 'products';
    metrics.observe({ type: 'lease', family, held: true });
    metrics.observe({
      type: 'batch',
      family,
      versions: [1, 2],
      changes: 500,
      deadLetters: [{ version: 2, errorType: 'mapper_parsing_exception' }],
    });
    metrics.observe({
      type: 'operations',
      family,
      counts: [
        { version: 1, action: 'index', result: 'succeeded', count: 500 },
        { version: 2, action: 'index', result: 'dead_letter', count: 1 },
      ],
    });
    metrics.observe({
      type: 'bulk-request',
      family,
      durationSeconds: 0.02,
      status: 200,
      operations: 1000,
      bytes: 9,
    });
    metrics.observe({
      type: 'bulk-request',
      family,
      durationSeconds: 3,
      status: null,
      operations: 1000,
      bytes: 9,
    });
    metrics.observe({ type: 'bulk-retry', family, status: 429, items: 7 });
    metrics.observe({ type: 'bulk-retry', family, status: null, items: 2 });
    metrics.observe({ type: 'bulk-pushback', family, items: 40 });
    metrics.observe({ type: 'bulk-pushback', family, items: 2 });
    const pace = { type: 'bulk-throttle', family, concurrency: 1, operations: 500, bytes: 1 } as const;
    metrics.observe({ ...pace, direction: 'down' });
    metrics.observe({ ...pace, direction: 'down' });
    metrics.observe({ ...pace, direction: 'up' });
    metrics.observe({ type: 'run', family, outcome: 'succeeded', durationSeconds: 1.5 });
    metrics.observe({ type: 'run', family, outcome: 'skipped', durationSeconds: 0 });

    const text = await registry.metrics();
    expect(sample(text, 'search_sync_changes_applied_total{family="products",version="1"}')).toBe(500);
    expect(sample(text, 'search_sync_changes_applied_total{family="products",version="2"}')).toBe(500);
    expect(
      sample(
        text,
        'search_sync_operations_total{family="products",version="1",action="index",result="succeeded"}',
      ),
    ).toBe(500);
    expect(
      sample(
        text,
        'search_sync_dead_letters_total{family="products",version="2",error_type="mapper_parsing_exception"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'search_sync_bulk_request_duration_seconds_count{family="products",status="200"}'),
    ).toBe(1);
    expect(
      sample(text, 'search_sync_bulk_request_duration_seconds_count{family="products",status="none"}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'search_sync_bulk_request_duration_seconds_bucket{le="0.025",family="products",status="200"}',
      ),
    ).toBe(1);
    expect(sample(text, 'search_sync_bulk_retries_total{family="products",status="429"}')).toBe(7);
    expect(sample(text, 'search_sync_bulk_retries_total{family="products",status="none"}')).toBe(2);
    expect(sample(text, 'search_sync_bulk_pushback_items_total{family="products"}')).toBe(42);
    expect(sample(text, 'search_sync_bulk_throttle_changes_total{family="products",direction="down"}')).toBe(
      2,
    );
    expect(sample(text, 'search_sync_bulk_throttle_changes_total{family="products",direction="up"}')).toBe(1);
    expect(sample(text, 'search_sync_runs_total{family="products",outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'search_sync_runs_total{family="products",outcome="skipped"}')).toBe(1);
    expect(sample(text, 'search_sync_run_duration_seconds_sum{family="products",outcome="succeeded"}')).toBe(
      1.5,
    );
    expect(sample(text, 'search_sync_lease_held{family="products"}')).toBe(1);
    metrics.observe({ type: 'lease', family, held: false });
    expect(sample(await registry.metrics(), 'search_sync_lease_held{family="products"}')).toBe(0);
  });

  it('says 0 for the lease of a declared family before its first run', async () => {
    const { registry } = setup(async () => []);
    expect(sample(await registry.metrics(), 'search_sync_lease_held{family="products"}')).toBe(0);
  });

  it('reads the gauges from one status read per scrape: lag, pending, dead letters, documents, backfill, state', async () => {
    const { registry, reads } = setup(async () => [
      products([
        version({ lagSeconds: 42, pendingChanges: 7, deadLetters: 2 }),
        version({
          version: 2,
          index: 'products_v2',
          state: 'backfilling',
          documents: null,
          backfill: { done: 250, total: 1000, rowsPerSecond: 50, etaSeconds: 15, partitions: null },
        }),
        version({
          version: 3,
          index: 'products_v3',
          state: 'backfilling',
          documents: null,
          backfill: {
            done: 300,
            total: 1000,
            rowsPerSecond: 60,
            etaSeconds: 12,
            partitions: {
              total: 10,
              done: 2,
              claimed: 3,
              waiting: 5,
              rows: 300,
              estimatedRows: 1000,
              rowsPerSecond: 60,
              etaSeconds: 12,
              instances: [],
            },
          },
        }),
      ]),
    ]);
    const text = await registry.metrics();
    expect(reads()).toBe(1);
    expect(sample(text, 'search_sync_checkpoint_lag_seconds{family="products",version="1"}')).toBe(42);
    expect(sample(text, 'search_sync_pending_changes{family="products",version="1"}')).toBe(7);
    expect(sample(text, 'search_sync_dead_letters_open{family="products",version="1"}')).toBe(2);
    expect(sample(text, 'search_sync_documents{family="products",version="1"}')).toBe(10);
    expect(sample(text, 'search_sync_documents{family="products",version="2"}')).toBeUndefined();
    expect(sample(text, 'search_sync_backfill_progress_ratio{family="products",version="2"}')).toBe(0.25);
    expect(
      sample(text, 'search_sync_backfill_progress_ratio{family="products",version="1"}'),
    ).toBeUndefined();
    expect(sample(text, 'search_sync_backfill_eta_seconds{family="products",version="2"}')).toBe(15);
    expect(sample(text, 'search_sync_backfill_partitions{family="products",version="3",state="done"}')).toBe(
      2,
    );
    expect(
      sample(text, 'search_sync_backfill_partitions{family="products",version="3",state="claimed"}'),
    ).toBe(3);
    expect(
      sample(text, 'search_sync_backfill_partitions{family="products",version="3",state="waiting"}'),
    ).toBe(5);
    expect(
      sample(text, 'search_sync_backfill_partitions{family="products",version="2",state="done"}'),
    ).toBeUndefined();
    expect(sample(text, 'search_sync_version_state{family="products",version="2",state="backfilling"}')).toBe(
      1,
    );
    expect(sample(text, 'search_sync_version_state{family="products",version="2",state="live"}')).toBe(0);
    expect(sample(text, 'search_sync_version_state{family="products",version="1",state="serving"}')).toBe(1);
    expect(sample(text, 'search_sync_horizon_changes_past{family="products"}')).toBe(3);
    expect(sample(text, 'search_sync_status_up')).toBe(1);
    await registry.metrics();
    expect(reads()).toBe(2);
  });

  it('keeps the scrape answering when status cannot be read: status_up 0, no stale version samples', async () => {
    let fail = false;
    const { registry } = setup(async () => {
      if (fail) throw new Error('database unreachable');
      return [products([version({ lagSeconds: 5, pendingChanges: 1 })])];
    });
    expect(
      sample(await registry.metrics(), 'search_sync_pending_changes{family="products",version="1"}'),
    ).toBe(1);
    fail = true;
    const text = await registry.metrics();
    expect(sample(text, 'search_sync_status_up')).toBe(0);
    expect(sample(text, 'search_sync_pending_changes{family="products",version="1"}')).toBeUndefined();
  });

  it('reuses a status read younger than statusMaxAgeMs', async () => {
    const registry = new Registry();
    let reads = 0;
    createSearchSyncMetrics(
      {
        status: async () => {
          reads++;
          return [];
        },
        families: () => [],
      },
      { registry, statusMaxAgeMs: 60_000 },
    );
    await registry.metrics();
    await registry.metrics();
    expect(reads).toBe(1);
  });

  it('refuses a second set of metrics in the same registry and leaves the first intact; remove() frees the names', async () => {
    const { registry, metrics } = setup(async () => []);
    const count = registry.getMetricsAsArray().length;
    expect(() =>
      createSearchSyncMetrics({ status: async () => [], families: () => [] }, { registry }),
    ).toThrow(MetricRegisteredError);
    expect(registry.getMetricsAsArray()).toHaveLength(count);
    const other = createSearchSyncMetrics(
      { status: async () => [], families: () => [] },
      { registry, prefix: 'other_' },
    );
    expect(registry.getMetricsAsArray()).toHaveLength(2 * count);
    metrics.remove();
    other.remove();
    expect(registry.getMetricsAsArray()).toHaveLength(0);
  });
});
