import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplicationContext } from '@nestjs/common';
import type { Client } from '@opensearch-project/opensearch';
import { IndexMissingError, SearchSyncService } from 'search-sync';
import { DeadLetterStore, LeaseStore } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsIndex } from './fixtures/catalog.indexes.js';
import { createTestApp } from './fixtures/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { aliasTargets, createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

describe('retire, rollback and replay hold the family lease; no write recreates an index', () => {
  let database: TestDatabase;
  let client: Client;
  let app: INestApplicationContext;
  const retiring = uniqueName('products');
  const rolling = uniqueName('products');
  const exists = async (index: string) => (await client.indices.exists({ index })).body;
  const injectDeadLetter = (family: string, version: number, documentId: string) =>
    new DeadLetterStore().record(database.db, family, [
      {
        version,
        documentId,
        operation: 'index',
        document: null,
        errorType: 'injected',
        reason: 'written by the test',
        statusCode: 400,
        attempts: 1,
        rowVersion: 0,
      },
    ]);

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 10_000 });
    // Small batches: a run of the whole table lasts a hundred commits, time enough to retire meanwhile.
    app = await createTestApp({
      database: database.db,
      opensearch: client,
      indexes: [productsIndex(retiring), productsIndex(rolling)],
      runSchedules: false,
      batchSize: 100,
    });
  });

  afterAll(async () => {
    await app?.close();
    await deleteIndexes(client, `${retiring}_*`);
    await deleteIndexes(client, `${rolling}_*`);
    await client.close();
    await database.drop();
  });

  it('retire during a run waits for the run: the index stays deleted and leaves no dead letters', async () => {
    const service = app.get(SearchSyncService);
    await service.sync(retiring);
    // Every row changes: the next run rewrites both versions, batch by batch. (It reads them once the
    // horizon has passed the update: transactions of other databases on the server can hold it back.)
    await database.client`update products set price = price + 1`;
    while ((await service.pendingChanges(retiring)) < 10_000) await sleep(50);
    let batches = 0;
    let firstBatch!: () => void;
    const started = new Promise<void>((resolve) => {
      firstBatch = resolve;
    });
    const run = service.sync(retiring, {
      onBatch: () => {
        if (++batches === 1) firstBatch();
      },
    });
    await started;
    await service.retire(retiring, 2, { graceMs: 0 });
    const batchesWhenRetired = batches;
    const result = await run;

    expect(result.outcome).toBe('completed');
    // The run had committed its last batch before the version was retired.
    expect(batchesWhenRetired).toBe(result.outcome === 'completed' && result.report.batches);
    expect(await exists(`${retiring}_v2`)).toBe(false);
    expect(await service.deadLetters(retiring, { version: 2 })).toEqual([]);

    await database.client`update products set price = price + 1 where id <= 10`;
    const next = await service.sync(retiring);
    expect(next.outcome === 'completed' && next.report.versions).toEqual([1]);
    expect(await exists(`${retiring}_v2`)).toBe(false);
  });

  it('a run refuses a version whose index is missing, and never recreates it', async () => {
    const service = app.get(SearchSyncService);
    // Deleted behind the library's back: the alias goes with it.
    await client.indices.delete({ index: `${retiring}_v1` });
    await database.client`update products set price = price + 1 where id <= 10`;

    const refused = await service.sync(retiring).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IndexMissingError);
    expect((refused as Error).message).toMatch(
      new RegExp(`Family "${retiring}": the index of version 1 \\(${retiring}_v1\\) is missing`),
    );
    expect(await exists(`${retiring}_v1`)).toBe(false);
    expect((await service.runLog(retiring)).at(-1)).toMatchObject({ outcome: 'failed', changes: 0 });

    // Replay refuses it too; a dead letter of the retired version is left alone.
    await injectDeadLetter(retiring, 1, '3');
    await injectDeadLetter(retiring, 2, '3');
    const replay = await service.replay(retiring).catch((error: unknown) => error);
    expect(replay).toBeInstanceOf(IndexMissingError);
    expect((replay as Error).message).toMatch(/the index of version 1 \(.+_v1\) is missing\. Nothing/);
    expect([await exists(`${retiring}_v1`), await exists(`${retiring}_v2`)]).toEqual([false, false]);
  });

  it('rollback, replay and retire wait while another instance holds the lease', async () => {
    const service = app.get(SearchSyncService);
    await service.sync(rolling);
    await service.sync(rolling);
    await service.promote(rolling, 2);
    expect(await aliasTargets(client, rolling)).toEqual([`${rolling}_v2`]);
    await injectDeadLetter(rolling, 1, '5');

    const leases = new LeaseStore();
    const held = await leases.acquire(database.db, rolling, 'another-instance', 60_000);
    if (!held.acquired) throw new Error('the lease was not free');
    const rollback = service.rollback(rolling);
    const replay = service.replay(rolling);
    const retire = rollback.then(() => service.retire(rolling, 2));
    // Time for any of them to act if it did not wait for the lease.
    await sleep(1500);
    expect(await aliasTargets(client, rolling)).toEqual([`${rolling}_v2`]);
    expect((await service.deadLetters(rolling)).map((l) => l.documentId)).toEqual(['5']);
    expect((await service.status(rolling))[0].versions.map((v) => v.state)).toEqual(['live', 'serving']);

    await leases.release(database.db, held.lease);
    expect(await rollback).toEqual({ alias: rolling, index: `${rolling}_v1` });
    expect(await replay).toEqual({ replayed: 1, resolved: 1, failed: 0 });
    await retire;
    expect(await aliasTargets(client, rolling)).toEqual([`${rolling}_v1`]);
    expect(await service.deadLetters(rolling)).toEqual([]);
    expect((await service.status(rolling))[0].versions.map((v) => v.state)).toEqual(['serving', 'retired']);
  });

  it('work that asks for the lease has the family in this process at once: a run started meanwhile skips', async () => {
    const service = app.get(SearchSyncService);
    await database.client`update products set price = price + 1 where id <= 10`;
    // Both ask for the lease as this instance: had the run taken it too, one of them would hold a voided token.
    const replay = service.replay(rolling);
    const run = await service.sync(rolling);
    expect(run).toEqual({ outcome: 'skipped', reason: expect.stringMatching(/\(this instance\)$/) });
    expect(await replay).toEqual({ replayed: 0, resolved: 0, failed: 0 });
    expect((await service.sync(rolling)).outcome).toBe('completed');
  });
});
