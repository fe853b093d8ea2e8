import type { INestApplicationContext } from '@nestjs/common';
import type { Client } from '@opensearch-project/opensearch';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import postgres from 'postgres';
import { FamilyRunner, FamilySync, SearchSyncError, SearchSyncService, type SyncResult } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSchema } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { productsIndex } from './fixtures/catalog.indexes.js';
import { createTestApp } from './fixtures/test-app.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { writeRandomly } from './support/catalog.writers.js';
import { eventually } from './support/eventually.js';
import { createTestDatabase, DATABASE_URL, type TestDatabase } from './support/test-database.js';
import { aliasTargets, createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

/** A schedule that never fires during the test: runs are the test's, or woken by commits. */
const HOURLY = { every: 3_600_000 };

/**
 * The application's Drizzle database is `drizzle-orm/node-postgres` over a `pg.Pool` (the test's own
 * postgres.js client only seeds, writes as other sessions would, and reads the source to compare).
 */
describe('an application on node-postgres', () => {
  let database: TestDatabase;
  let client: Client;
  let pool: pg.Pool;
  let db: NodePgDatabase<typeof catalogSchema>;
  const apps: INestApplicationContext[] = [];
  const families: string[] = [];
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);

  const family = () => {
    const name = uniqueName('products');
    families.push(name);
    return name;
  };
  const boot = async (name: string, options: { v2: boolean; wakeOnCommit: boolean }) => {
    const app = await createTestApp({
      database: db,
      opensearch: client,
      indexes: [productsIndex(name, HOURLY, { v2: options.v2 })],
      runSchedules: options.wakeOnCommit,
      batchSize: 100,
    });
    apps.push(app);
    return app.get(SearchSyncService);
  };
  const title = async (index: string, id: number) => {
    const { body } = await client.get({ index, id: String(id) }, { ignore: [404] });
    return (body._source as { title?: string } | undefined)?.title;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 2000 });
    pool = new pg.Pool({ connectionString: database.url, max: 6 });
    // What pg asks of every application: an idle client whose connection fails is reported here.
    pool.on('error', () => {});
    db = drizzle(pool, { schema: catalogSchema });
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });

  afterAll(async () => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
    for (const app of apps) await app.close();
    for (const name of families) await deleteIndexes(client, `${name}_*`);
    await client.close();
    // Finishes only when every client the library checked out went back to the pool.
    await pool.end();
    await database.drop();
  });

  it('captures inserts, updates and deletes, backfills a new version beside the live one, and promotes it', async () => {
    const name = family();
    const before = await boot(name, { v2: false, wakeOnCommit: false });
    expect(await before.sync(name)).toMatchObject({ outcome: 'completed' });
    await database.client`update products set title = 'renamed' where id between 20 and 40`;
    await database.client`delete from products where id between 41 and 45`;
    await database.client`insert into products (sku, title, description, price, active, category_id)
      values ('NEW-1', 'inserted', 'through capture', 1, true, (select min(id) from categories))`;
    expect(await before.sync(name)).toMatchObject({ outcome: 'completed' });
    await expectVersionsMatchSource(client, database, name, [productsV1]);
    await apps.pop()!.close();

    const service = await boot(name, { v2: true, wakeOnCommit: false });
    const [deployed] = await service.status(name);
    expect(deployed.versions.map((v) => v.state)).toEqual(['serving', 'backfilling']);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const writer = writeRandomly(database.client, { until: stopped, seed: 27, pauseMs: 10 });
    try {
      for (let cycle = 0; ; cycle++) {
        await service.sync(name, { backfillBudgetMs: 100 });
        const [status] = await service.status(name);
        if (status.versions.every((v) => v.state === 'live' || v.state === 'serving')) break;
        if (cycle > 200) throw new Error('the backfill never reached the head');
      }
    } finally {
      stop();
    }
    expect(await writer).toBeGreaterThan(0);
    await service.sync(name);
    await expectVersionsMatchSource(client, database, name, [productsV1, productsV2]);
    await service.promote(name, 2);
    expect(await aliasTargets(client, name)).toEqual([`${name}_v2`]);
  });

  it("applies others' changes while a transaction on the pool stays open, and its own once it commits", async () => {
    const name = family();
    const service = await boot(name, { v2: false, wakeOnCommit: false });
    await service.sync(name);
    const held = await pool.connect();
    try {
      await held.query('begin');
      await held.query(`update products set title = 'held open' where id = 5`);
      await database.client`update products set title = 'beside it' where id = 6`;
      await service.sync(name);
      await expectVersionsMatchSource(client, database, name, [productsV1]);
      expect(await title(`${name}_v1`, 6)).toBe('beside it');
      await held.query('commit');
    } finally {
      held.release();
    }
    await service.sync(name);
    await expectVersionsMatchSource(client, database, name, [productsV1]);
    const [status] = await service.status(name);
    expect(status.versions.map((v) => v.pendingChanges)).toEqual([0]);
  });

  it('wakes on commit; terminated mid-run, nothing escapes, the next run catches up and it wakes again', async () => {
    const woken = family();
    const service = await boot(woken, { v2: false, wakeOnCommit: true });
    await service.sync(woken);
    await database.client`update products set title = 'woken by its commit' where id = 3`;
    await eventually(async () => expect(await title(`${woken}_v1`, 3)).toBe('woken by its commit'));

    const killed = family();
    const sync = new FamilySync(productsFamily(killed, [productsV1]), { db, client, batchSize: 50 });
    const runner = new FamilyRunner(sync, {
      db,
      stateSchema: 'search_sync',
      holder: 'node-pg',
      leaseTtlMs: 5000,
    });
    await sync.prepare();
    const runsBefore = (await service.runLog(woken)).length;
    const killer = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
    let batches = 0;
    let terminated = 0;
    // Every backend of the database at once, the pool's and the listener's among them (a failover, an admin).
    const outcome = await runner
      .run({
        onBatch: () => {
          if (++batches === 5) {
            void killer`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
              where datname = ${database.name} and pid <> pg_backend_pid()`.then(([row]) => {
              terminated = row.n;
            });
          }
        },
      })
      .catch((error: unknown) => error);
    await killer.end();
    expect(terminated).toBeGreaterThan(1);
    // The run failed with the library's error, or its last statements came after the termination.
    if (!(outcome instanceof SearchSyncError)) expect(outcome).toMatchObject({ outcome: 'completed' });
    // A lost client reports its 'error' a moment after its statement failed.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(escaped).toEqual([]);

    let next: SyncResult | unknown;
    for (let attempt = 0; attempt < 5 && (next as SyncResult)?.outcome !== 'completed'; attempt++) {
      next = await runner.run().catch((error: unknown) => error);
      if (!(next as SyncResult).outcome) expect(next).toBeInstanceOf(SearchSyncError);
    }
    expect(next).toMatchObject({ outcome: 'completed' });
    await expectVersionsMatchSource(client, database, killed, [productsV1]);

    // Listening again, the waker runs the family once for what it may have missed, then on each commit.
    await eventually(async () => expect((await service.runLog(woken)).length).toBeGreaterThan(runsBefore));
    await database.client`update products set title = 'woken after the termination' where id = 4`;
    await eventually(async () => expect(await title(`${woken}_v1`, 4)).toBe('woken after the termination'));
    expect(escaped).toEqual([]);
  });
});
