import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import {
  type BulkLoaderOptions,
  type ChangePosition,
  FamilyRunner,
  FamilySync,
  type KeyColumn,
  type SyncObserver,
  type SyncResult,
  type VersionDefinition,
} from 'search-sync';
import { CheckpointStore, comparePositions } from 'search-sync/testing';
import { expect } from 'vitest';
import { seedCatalog } from '../../../src/catalog/catalog.seed.js';
import {
  type ProductDto,
  productsFamily,
  productsV1,
  productsV2,
} from '../../../src/catalog/products.family.js';
import { expectVersionsMatchSource } from '../../support/catalog.expect.js';
import { createTestDatabase } from '../../support/test-database.js';
import { deleteIndexes, uniqueName } from '../../support/test-opensearch.js';
import { clusterClient } from './cluster.nodes.js';

// Long enough that renewals on a loaded two-core box do not lose it: takeovers are scenario f's subject.
const LEASE_TTL_MS = 10_000;
const keys = [{ kind: 'number', sqlType: 'integer' } as KeyColumn];

/** The demo's two versions, spread over three shards so that every node holds primaries. */
export function clusterVersions(replicas: number): VersionDefinition<ProductDto, object>[] {
  const settings = { number_of_shards: 3, number_of_replicas: replicas };
  return [
    { ...productsV1, settings },
    { ...productsV2, settings },
  ];
}

/**
 * A family of its own on a database of its own, seeded with `products` rows and bootstrapped (its new
 * versions' indexes created, so their shards are placed before any run). `stoppers` are called by
 * `dropScenario`, so that a failed scenario leaves no instance, writer or sampler running.
 */
export async function createScenario(products: number, replicas: number) {
  const database = await createTestDatabase();
  await seedCatalog(database.db, { products });
  const scenario = {
    database,
    family: uniqueName('cluster'),
    versions: clusterVersions(replicas),
    client: clusterClient(),
    stoppers: [] as (() => Promise<unknown>)[],
  };
  await createSync(scenario, scenario.client).prepare();
  return scenario;
}
export type Scenario = Awaited<ReturnType<typeof createScenario>>;

export function createSync(
  scenario: Scenario,
  client: Client,
  bulk: Partial<BulkLoaderOptions> = {},
  observer?: SyncObserver,
) {
  const { database, family, versions } = scenario;
  return new FamilySync(productsFamily(family, versions), {
    db: database.db,
    client,
    batchSize: 200,
    bulk,
    observer,
  });
}

/**
 * Application instances in this process, each with its own client and runner, running the family over
 * and over; the lease lets one run at a time. Counts committed batches, and keeps every outcome.
 */
export function startInstances(
  scenario: Scenario,
  holders: string[],
  options: { bulk?: Partial<BulkLoaderOptions>; onClient?: (client: Client) => void } = {},
) {
  const results: SyncResult[] = [];
  const failures: unknown[] = [];
  const progress = { batches: 0 };
  // The last events of each instance, with their time: what a scenario that times out shows.
  const trail: string[] = [];
  const observe =
    (holder: string): SyncObserver =>
    (event) => {
      trail.push(`${new Date().toISOString()} ${holder} ${event.type}`);
      if (trail.length > 30) trail.shift();
    };
  let stopped = false;
  const running = holders.map((holder) => {
    const client = clusterClient();
    options.onClient?.(client);
    const runner = new FamilyRunner(createSync(scenario, client, options.bulk, observe(holder)), {
      db: scenario.database.db,
      stateSchema: 'search_sync',
      holder,
      leaseTtlMs: LEASE_TTL_MS,
    });
    const loop = (async () => {
      while (!stopped) {
        try {
          results.push(await runner.run({ onBatch: () => progress.batches++ }));
        } catch (error) {
          // Told as it happens: what a scenario saw is in its output even when it fails later on.
          console.log(`[${holder}] run failed: ${String(error)}`);
          failures.push(error);
        }
        await sleep(200);
      }
    })();
    return { runner, client, loop };
  });
  const instances = {
    results,
    failures,
    progress,
    trail,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const { runner, loop, client } of running) {
        // Bounded: a run that never ends must fail the scenario, not hang it.
        const ended = Promise.all([runner.stop(), loop]);
        const stuck = await Promise.race([ended.then(() => false), sleep(120_000).then(() => true)]);
        if (stuck)
          throw new Error(`a run did not end within 120 s of stop(); last events:\n${trail.join('\n')}`);
        await client.close();
      }
    },
  };
  scenario.stoppers.push(() => instances.stop());
  return instances;
}

/** Waits until `check` holds, polling; on timeout, says what `seen` gives (the instances' failures, say). */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  seen: () => unknown = () => '',
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; seen: ${String(seen())}`);
    await sleep(100);
  }
}

/** Reads the family's checkpoints every 100 ms, to show that they only ever moved forward. */
export function sampleCheckpoints(scenario: Pick<Scenario, 'database' | 'family' | 'stoppers'>) {
  const { database, family } = scenario;
  const store = new CheckpointStore();
  const samples: Map<number, ChangePosition>[] = [];
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      samples.push(await store.read(database.db, family));
      await sleep(100);
    }
  })();
  const stop = async () => {
    sampling = false;
    await loop;
    return samples;
  };
  scenario.stoppers.push(stop);
  return { stop };
}

/** Each document's `_version`, by id. */
async function documentVersions(client: Client, index: string): Promise<Map<string, number>> {
  await client.indices.refresh({ index });
  const versions = new Map<string, number>();
  let response = await client.search({
    index,
    scroll: '1m',
    size: 5000,
    version: true,
    _source: false,
    body: { query: { match_all: {} }, sort: ['_doc'] },
  });
  while (response.body.hits.hits.length > 0) {
    for (const hit of response.body.hits.hits) versions.set(hit._id!, hit._version!);
    response = await client.scroll({ scroll_id: response.body._scroll_id!, scroll: '1m' });
  }
  await client.clearScroll({ scroll_id: response.body._scroll_id! });
  return versions;
}

/**
 * The invariants every scenario ends with, after one last run that must complete: see `expectSynced`.
 */
export async function expectInvariants(scenario: Scenario, samples: Map<number, ChangePosition>[]) {
  const runner = new FamilyRunner(createSync(scenario, scenario.client), {
    db: scenario.database.db,
    stateSchema: 'search_sync',
    holder: 'final',
    leaseTtlMs: LEASE_TTL_MS,
  });
  let last: SyncResult = await runner.run();
  for (let i = 0; last.outcome !== 'completed' && i < 100; i++) {
    await sleep(200);
    last = await runner.run();
  }
  expect(last.outcome).toBe('completed');
  await expectSynced(scenario, samples);
}

/**
 * Each version holds exactly the transform of each live row (no document missing, no orphan), each
 * document's `_version` is its row's version, the checkpoints only moved forward, and nothing was
 * dead-lettered.
 */
export async function expectSynced(
  scenario: Pick<Scenario, 'database' | 'client' | 'family' | 'versions'>,
  samples: Map<number, ChangePosition>[],
) {
  const { database, family, versions, client } = scenario;
  const [{ count }] = await database.client<{ count: number }[]>`
    select count(*)::int as count from search_sync.dead_letters where family = ${family}`;
  expect(count).toBe(0);
  await expectVersionsMatchSource(client, database, family, versions);
  const rows = await database.client<{ id: number; version: string }[]>`
    select id, search_sync_row_version::text as version from products`;
  const rowVersions = new Map(rows.map((r) => [String(r.id), Number(r.version)]));
  for (const { version } of versions) {
    const documents = await documentVersions(client, `${family}_v${version}`);
    const wrong = [...documents].filter(([id, v]) => rowVersions.get(id) !== v).slice(0, 10);
    expect({ version, wrong }).toEqual({ version, wrong: [] });
  }
  for (let i = 1; i < samples.length; i++) {
    for (const [version, position] of samples[i - 1]) {
      expect(comparePositions(keys, samples[i].get(version)!, position)).toBeGreaterThanOrEqual(0);
    }
  }
}

export async function dropScenario(scenario: Scenario) {
  for (const stop of scenario.stoppers) await stop().catch(() => undefined);
  await deleteIndexes(scenario.client, `${scenario.family}_*`);
  await scenario.client.close();
  await scenario.database.drop();
}
