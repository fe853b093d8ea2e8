import type { Client } from '@opensearch-project/opensearch';
import { FamilySync, type VersionStatus } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { startAppender } from './support/append.writer.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { writeRandomly } from './support/catalog.writers.js';
import { eventually } from './support/eventually.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const SEEDED = 3000;
const CLAIM_TTL_MS = 5000;
/** Only keeps a backfill that cannot finish from hanging the suite: it is stopped then, and the test fails. */
const GIVE_UP_MS = 60_000;

describe('partitioned backfill of a table that keeps growing', () => {
  let database: TestDatabase;
  let client: Client;
  const families: string[] = [];
  /** Writers still going when a test failed: stopped before the database is dropped. */
  const background: { halt(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: SEEDED });
  });

  afterAll(async () => {
    await Promise.all(background.map((b) => b.halt()));
    for (const family of families) await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  /** Both versions of a new products family, backfilled through partitions of 500 rows, pages of 100. */
  const newFamily = async () => {
    const family = uniqueName('append');
    families.push(family);
    const definition = {
      ...productsFamily(family),
      backfill: { partitioned: true, rowsPerPartition: 500, minPartitions: 1 },
    };
    const sync = new FamilySync(definition, { db: database.db, client, batchSize: 100 });
    await sync.prepare();
    // Another reader of the same state, as another process's status would be.
    const observer = new FamilySync(definition, { db: database.db, client, batchSize: 100 });
    return { family, sync, observer };
  };

  const partitions = { holder: 'lead', claimTtlMs: CLAIM_TTL_MS };
  /**
   * The lead's steps without its stream: a run stopped before it starts plans the new versions'
   * partitions, and merges those whose partitions are all done, but reads nothing.
   */
  const leadSteps = (sync: FamilySync) => sync.run({ partitions, signal: AbortSignal.abort() });
  /** One instance works partitions until none is free. */
  const workPartitions = (sync: FamilySync) =>
    sync.workPartitions({
      holder: 'worker',
      claimTtlMs: CLAIM_TTL_MS,
      signal: AbortSignal.timeout(GIVE_UP_MS),
    });

  const plansOf = (family: string) =>
    database.client<{ version: number; merged: boolean }[]>`
      select version, merged_at is not null as merged from search_sync.backfill_plans where family = ${family}`;
  const merged = async (family: string) => {
    const plans = await plansOf(family);
    return plans.length === 2 && plans.every((p) => p.merged);
  };
  const partitionsOf = (family: string) =>
    database.client<{ version: number; state: string; rows: number }[]>`
      select version, state, rows::int as rows from search_sync.backfill_partitions where family = ${family}`;

  /** Runs until both versions are caught up (live, or serving for the first), then compares them with the source. */
  const expectCaughtUp = async (family: string, sync: FamilySync) => {
    await eventually(async () => {
      await sync.run({ partitions });
      const versions = await database.client`select state from search_sync.versions where family = ${family}`;
      for (const { state } of versions) expect(['live', 'serving']).toContain(state);
    }, 120_000);
    await eventually(() => expectVersionsMatchSource(client, database, family, [productsV1, productsV2]));
  };

  it('finishes its partitions and merges while a writer appends faster than it backfills; then the indexes equal the source', async () => {
    const { family, sync } = await newFamily();
    // The writer runs through the whole backfill and stops only once it has seen the merge.
    const appender = startAppender(database.client, { family, seeded: SEEDED, until: () => merged(family) });
    background.push(appender);
    await leadSteps(sync);
    expect(await plansOf(family)).toHaveLength(2);
    const worked = await workPartitions(sync);
    expect((await partitionsOf(family)).filter((p) => p.state !== 'done')).toEqual([]);
    await leadSteps(sync);
    expect(await merged(family)).toBe(true);
    await appender.stopped;
    // It outpaced the backfill: it appended more rows than the partitions applied...
    expect(appender.appended()).toBeGreaterThan(worked.rows);
    // ...and the partitions read none of them (each version's partitions hold at most the seeded rows).
    for (const version of [1, 2]) {
      const rows = (await partitionsOf(family))
        .filter((p) => p.version === version)
        .reduce((sum, p) => sum + p.rows, 0);
      expect(rows).toBeLessThanOrEqual(SEEDED);
    }
    await expectCaughtUp(family, sync);
  });

  it('status().backfill.done never goes back while writes arrive, across the merge', async () => {
    const { family, sync, observer } = await newFamily();
    // One reader, one status at a time: the samples are in the order they were read.
    const samples: (VersionStatus['backfill'] | null)[][] = [];
    let queue: Promise<unknown> = Promise.resolve();
    const sample = () => {
      const read = queue.then(async () => {
        samples.push((await observer.status()).map((v) => v.backfill));
      });
      queue = read;
      return read;
    };
    let polling = true;
    const poller = (async () => {
      while (polling) await sample();
    })();
    background.push({
      async halt() {
        polling = false;
        await poller.catch(() => undefined);
      },
    });
    await leadSteps(sync);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const writer = writeRandomly(database.client, { until: stopped, seed: 26, pauseMs: 10 });
    background.push({
      async halt() {
        stop();
        await writer.catch(() => undefined);
      },
    });
    await workPartitions(sync);
    // Rows the partitions have read are written again before the merge: the stream applies them again.
    await database.client`update products set title = 'Written after its partition' where id between 11 and 300`;
    await sample();
    await leadSteps(sync);
    expect(await merged(family)).toBe(true);
    // Merged, not caught up yet (no stream has run): what status says between the two.
    await sample();
    stop();
    await writer;
    await expectCaughtUp(family, sync);
    polling = false;
    await poller;

    for (const version of [0, 1]) {
      const progress = samples.map((s) => s[version]).filter((b) => b !== null && b !== undefined);
      expect(progress.some((b) => b.partitions !== null)).toBe(true);
      expect(progress.some((b) => b.partitions === null)).toBe(true);
      const done = progress.map((b) => b.done);
      const backwards = done.flatMap((d, i) => (i > 0 && d < done[i - 1] ? [[done[i - 1], d]] : []));
      expect({ version, backwards }).toEqual({ version, backwards: [] });
    }
  });
});
