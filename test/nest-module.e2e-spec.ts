import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplicationContext } from '@nestjs/common';
import type { Client } from '@opensearch-project/opensearch';
import { SearchSyncService } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsV1, productsV2 } from '../src/catalog/products.family.js';
import { categoriesIndex, productsIndex } from './fixtures/catalog.indexes.js';
import { createTestApp } from './fixtures/test-app.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { writeRandomly } from './support/catalog.writers.js';
import { eventually } from './support/eventually.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import {
  createClient,
  deleteIndexes,
  OPENSEARCH_URL,
  readAll,
  uniqueName,
} from './support/test-opensearch.js';

describe('SearchSyncModule in a Nest application', () => {
  let database: TestDatabase;
  let client: Client;
  let app: INestApplicationContext;
  const products = uniqueName('products');
  const categories = uniqueName('categories');

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 3000 });
  });

  afterAll(async () => {
    await app?.close();
    await deleteIndexes(client, `${products}_*`);
    await deleteIndexes(client, `${categories}_*`);
    await client.close();
    await database.drop();
  });

  it('discovers two families, runs them on their schedules, and both converge while rows change', async () => {
    app = await createTestApp({
      database: database.db,
      opensearch: client,
      indexes: [
        productsIndex(products, { every: 300 }),
        categoriesIndex(categories, { cron: '* * * * * *' }),
      ],
      batchSize: 500,
    });
    const service = app.get(SearchSyncService);
    expect(service.families().sort()).toEqual([categories, products].sort());

    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const writers = Promise.all([
      writeRandomly(database.client, { until: stopped, seed: 7, pauseMs: 5 }),
      (async () => {
        for (
          let i = 0;
          !(await Promise.race([stopped.then(() => true), sleep(200).then(() => false)]));
          i++
        ) {
          await database.client`update categories set description = ${`changed ${i}`} where id = ${1 + (i % 10)}`;
        }
      })(),
    ]);
    await sleep(4000);
    stop();
    await writers;

    await eventually(() => expectVersionsMatchSource(client, database, products, [productsV1, productsV2]));
    await eventually(async () => {
      const rows = await database.client`select id, name, description from categories`;
      const documents = await readAll(client, `${categories}_v1`);
      expect(documents.size).toBe(rows.length);
      for (const row of rows)
        expect(documents.get(String(row.id))).toEqual({ name: row.name, description: row.description });
    });

    const [status] = await service.status(products);
    expect(status.className).toBe('ProductsTestIndex');
    expect(status.lastRun?.outcome).toBe('succeeded');
    expect(status.versions.map((v) => [v.version, v.pendingChanges, v.deadLetters])).toEqual([
      [1, 0, 0],
      [2, 0, 0],
    ]);
    expect(status.alias).toEqual({
      alias: products,
      indexes: [`${products}_v1`],
      serving: { version: 1, index: `${products}_v1` },
      matches: true,
    });
    const log = await service.runLog(products);
    expect(log.filter((r) => r.outcome === 'succeeded').length).toBeGreaterThan(3);
  });

  it('answers a manual sync while a scheduled run holds the family with "skipped", not a second run', async () => {
    const service = app.get(SearchSyncService);
    await database.client`update products set title = 'Manual ' || id where id <= 2000`;
    // The scheduled runs (every 300 ms) may hold the family too: whoever holds it, at most one runs.
    const results = await Promise.all([service.sync(products), service.sync(products)]);
    expect(results.filter((r) => r.outcome === 'completed').length).toBeLessThanOrEqual(1);
    const skipped = results.find((r) => r.outcome === 'skipped');
    expect(skipped?.outcome === 'skipped' && skipped.reason).toMatch(/^held by .+ \(this instance\)$/);
  });

  it('reads past a transaction left open, and says which one it is and how many changes were read past it', async () => {
    const service = app.get(SearchSyncService);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const transaction = database.client.begin(async (tx) => {
      await tx`update products set title = 'held' where id = 1`;
      written();
      await held;
    });
    await wrote;
    try {
      // Committed after the open transaction began: a run reads it without waiting for the open one (whose
      // own write is not visible, so not counted).
      await database.client`update products set title = 'past the open one' where id = 2`;
      const [status] = await service.status(products);
      expect(status.horizon.changesPastHorizon).toBeGreaterThanOrEqual(1);
      expect(status.horizon.holder?.pid).toBeGreaterThan(0);
      expect(status.horizon.holder?.since).toBeInstanceOf(Date);
      // Scheduled runs go on meanwhile: whichever run reads it, the open transaction holds nothing back.
      await eventually(async () => {
        await service.sync(products);
        const document = await client.get({ index: `${products}_v1`, id: '2' });
        expect((document.body._source as { title: string }).title).toBe('past the open one');
      });
    } finally {
      release();
      await transaction;
    }
  });

  it('on shutdown lets the run in flight finish and commit, and stops the schedules', async () => {
    const service = app.get(SearchSyncService);
    await database.client`update products set price = price + 1`;
    const run = service.sync(products);
    await sleep(50);
    await app.close();
    const result = await run;
    const log = await service.runLog(products);
    expect(log.at(-1)?.finishedAt).toBeInstanceOf(Date);
    if (result.outcome === 'completed') expect(['succeeded', 'stopped']).toContain(log.at(-1)?.outcome);
    const count = log.length;
    await sleep(1000);
    expect((await service.runLog(products)).length).toBe(count);
  });

  it('closes twice without hanging when it built the OpenSearch client itself (its second close never resolves)', async () => {
    const owning = await createTestApp({
      database: database.db,
      opensearch: { node: OPENSEARCH_URL },
      indexes: [],
    });
    await owning.close();
    await owning.close();
  });
});
