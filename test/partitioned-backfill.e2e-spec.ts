import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import type postgres from 'postgres';
import { FamilySync } from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { writeRandomly } from './support/catalog.writers.js';
import { eventually } from './support/eventually.js';
import { type InstanceProcess, startInstanceProcess } from './support/instance.process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

const LEASE_TTL_MS = 2000;
/** Only keeps a broken scenario from hanging the suite (processes start slowly on a busy machine). */
const SCENARIO_TIMEOUT_MS = 400_000;
const ENV = {
  LEASE_TTL_MS: String(LEASE_TTL_MS),
  EVERY_MS: '200',
  BATCH_SIZE: '100',
  PARTITION_ROWS: '1500',
};

interface PartitionRow {
  version: number;
  partition: number;
  state: string;
  holder: string | null;
  token: number;
  cursor: number | null;
}

const partitionsOf = async (sql: postgres.Sql, family: string): Promise<PartitionRow[]> =>
  (
    await sql<
      {
        version: number;
        partition: number;
        state: string;
        holder: string | null;
        token: string;
        cursor: number[] | null;
      }[]
    >`
      select version, partition, state, holder, token::text as token, cursor
      from search_sync.backfill_partitions where family = ${family} order by version, partition`
  ).map((r) => ({ ...r, token: Number(r.token), cursor: r.cursor?.[0] ?? null }));

/**
 * Deletes a product and inserts it again under the same id, in one transaction or two, until stopped.
 * (Not in one statement: a writable CTE fires the delete's AFTER trigger at the end of the statement,
 * so the tombstone takes a higher row version than the row re-inserted by that statement.)
 */
async function deleteAndReinsert(sql: postgres.Sql, until: Promise<unknown>): Promise<number> {
  let stop = false;
  void until.then(() => {
    stop = true;
  });
  let rounds = 0;
  const reinsert = (tx: postgres.Sql | postgres.TransactionSql, gone: postgres.Row) =>
    tx`insert into products (id, sku, title, description, price, active, category_id)
      values (${gone.id}, ${gone.sku}, ${`Re-inserted ${rounds}`}, ${gone.description}, ${gone.price}, ${gone.active}, ${gone.category_id})`;
  while (!stop) {
    const [row] = await sql<
      { id: number }[]
    >`select id from products where id > 10 order by random() limit 1`;
    if (!row) break;
    if (rounds % 2 === 0) {
      await sql.begin(async (tx) => {
        const [gone] = await tx`delete from products where id = ${row.id} returning *`;
        if (gone) await reinsert(tx, gone);
      });
    } else {
      const [gone] = await sql`delete from products where id = ${row.id} returning *`;
      if (gone) {
        await sleep(5);
        await reinsert(sql, gone);
      }
    }
    rounds++;
    await sleep(15);
  }
  return rounds;
}

/** Writers of every kind until `stop()`: inserts, updates, hard and soft deletes, delete-then-re-insert. */
function startWriters(database: TestDatabase, seed: number) {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const done = Promise.all([
    writeRandomly(database.client, { until: stopped, seed, pauseMs: 10 }),
    deleteAndReinsert(database.client, stopped),
  ]);
  return {
    async stop() {
      stop();
      return done;
    },
    async halt() {
      stop();
      await done.catch(() => undefined);
    },
  };
}

/** Samples the partitions until stopped: cursors and tokens must only move forward, done must stay done. */
function startSampler(database: TestDatabase, family: string) {
  const samples: PartitionRow[][] = [];
  let sampling = true;
  const running = (async () => {
    while (sampling) {
      samples.push(await partitionsOf(database.client, family));
      await sleep(100);
    }
  })();
  return {
    /** Stops sampling (a failed test's cleanup), without checking. */
    async halt() {
      sampling = false;
      await running.catch(() => undefined);
    },
    async stop() {
      sampling = false;
      await running;
      const last = new Map<string, PartitionRow>();
      for (const sample of samples) {
        for (const row of sample) {
          const id = `${row.version}/${row.partition}`;
          const before = last.get(id);
          if (before) {
            expect(row.token).toBeGreaterThanOrEqual(before.token);
            if (before.cursor !== null) expect(row.cursor).toBeGreaterThanOrEqual(before.cursor);
            if (before.state === 'done') expect(row).toEqual(before);
          }
          last.set(id, row);
        }
      }
      return samples.length;
    },
  };
}

describe('partitioned backfill shared by application processes', () => {
  // Each scenario has a database of its own; `database` is the current one.
  let database: TestDatabase;
  const databases: TestDatabase[] = [];
  let client: Client;
  const instances: InstanceProcess[] = [];
  const families: string[] = [];

  beforeAll(async () => {
    // The instances run the compiled application, as production would.
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
    client = createClient();
  });

  const scenario = async (products: number) => {
    database = await createTestDatabase();
    databases.push(database);
    await seedCatalog(database.db, { products });
    const family = uniqueName('parts');
    families.push(family);
    return family;
  };

  /** Writers and samplers still going when a scenario failed: stopped before their database is dropped. */
  const background: { halt(): Promise<unknown> }[] = [];

  afterAll(async () => {
    await Promise.all(background.map((b) => b.halt()));
    for (const { child } of instances) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
    for (const family of families) await deleteIndexes(client, `${family}_*`);
    await client.close();
    for (const db of databases) await db.drop();
  });

  const start = async (family: string, name: string) => {
    const instance = await startInstanceProcess(database, family, name, ENV);
    instances.push(instance);
    return instance;
  };

  /** Waits until both versions went live (every plan merged and caught up), then compares them with the source. */
  const expectCaughtUp = async (family: string) => {
    await eventually(async () => {
      const versions = await database.client`select state from search_sync.versions where family = ${family}`;
      // Caught up: live, or serving (a family's first version to go live takes the alias).
      expect(versions).toHaveLength(2);
      for (const { state } of versions) expect(['live', 'serving']).toContain(state);
    }, 180_000);
    await eventually(
      () => expectVersionsMatchSource(client, database, family, [productsV1, productsV2]),
      60_000,
      500,
    );
    const [{ open }] =
      await database.client`select count(*)::int as open from search_sync.dead_letters where family = ${family}`;
    expect(open).toBe(0);
    const plans =
      await database.client`select merged_at from search_sync.backfill_plans where family = ${family}`;
    expect(plans).toHaveLength(2);
    expect(plans.every((p) => p.merged_at !== null)).toBe(true);
  };

  it(
    'two instances share the partitions while writers run, and every version equals the source',
    async () => {
      const family = await scenario(8000);
      const writers = startWriters(database, 5);
      background.push(writers);
      const a = await start(family, 'two-a');
      const b = await start(family, 'two-b');
      const sampler = startSampler(database, family);
      background.push(sampler);
      // Status, read by any process, shows the partitions once planned (merging takes every one done,
      // long after the plans appear).
      await eventually(
        async () => {
          const plans =
            await database.client`select 1 from search_sync.backfill_plans where family = ${family}`;
          expect(plans).toHaveLength(2);
        },
        180_000,
        50,
      );
      const observer = new FamilySync(
        { ...productsFamily(family), backfill: { partitioned: true } },
        { db: database.db, client },
      );
      const partitions = (await observer.status()).map((v) => v.backfill?.partitions);
      for (const p of partitions) {
        expect(p?.total).toBeGreaterThan(0);
        expect(p!.done + p!.claimed + p!.waiting).toBe(p!.total);
        for (const instance of p!.instances) expect(['two-a', 'two-b']).toContain(instance.holder);
      }
      await eventually(async () => {
        const rows = await partitionsOf(database.client, family);
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => r.state === 'done')).toBe(true);
      }, 180_000);
      await writers.stop();
      await expectCaughtUp(family);
      // Once merged, the version's backfill is the ordinary stream's again: no partitions in status.
      expect((await observer.status()).map((v) => v.backfill)).toEqual([null, null]);
      expect(await sampler.stop()).toBeGreaterThan(0);
      const holders = new Set((await partitionsOf(database.client, family)).map((r) => r.holder));
      expect(holders).toEqual(new Set(['two-a', 'two-b']));
      for (const { child } of [a, b]) child.kill('SIGTERM');
      await Promise.all([a, b].map(({ child }) => new Promise((resolve) => child.once('exit', resolve))));
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'three instances: one killed mid-partition is taken over from its cursor, one paused past its expiry is fenced',
    async () => {
      const family = await scenario(15_000);
      const writers = startWriters(database, 23);
      background.push(writers);
      const a = await start(family, 'three-a');
      const b = await start(family, 'three-b');
      const c = await start(family, 'three-c');
      const sampler = startSampler(database, family);
      background.push(sampler);
      const midPartition = (holder: string) =>
        eventually(
          async () => {
            const rows = (await partitionsOf(database.client, family)).filter(
              (r) => r.holder === holder && r.state === 'claimed' && r.cursor !== null,
            );
            expect(rows.length).toBeGreaterThan(0);
            return rows;
          },
          120_000,
          20,
        );

      // B dies in the middle of a partition: after the claim's expiry another instance resumes it. What it
      // held is read once it is dead: between the look and the kill it may have finished that partition.
      await midPartition('three-b');
      const dead = new Promise((resolve) => b.child.once('exit', resolve));
      b.child.kill('SIGKILL');
      await dead;
      const killed = (await partitionsOf(database.client, family)).filter(
        (r) => r.holder === 'three-b' && r.state === 'claimed',
      );
      expect(killed.length).toBeGreaterThan(0);

      // C stops (SIGSTOP) in the middle of a partition, past its expiry, while the others take it over.
      const paused = await midPartition('three-c');
      c.child.kill('SIGSTOP');
      await eventually(async () => {
        const rows = await partitionsOf(database.client, family);
        for (const p of paused) {
          const now = rows.find((r) => r.version === p.version && r.partition === p.partition)!;
          expect(now.token).toBeGreaterThan(p.token);
        }
      }, 60_000);
      const resumedAt = Date.now();
      c.child.kill('SIGCONT');

      await eventually(async () => {
        const rows = await partitionsOf(database.client, family);
        expect(rows.every((r) => r.state === 'done')).toBe(true);
      }, 180_000);
      await writers.stop();
      await expectCaughtUp(family);
      expect(await sampler.stop()).toBeGreaterThan(0);

      const rows = await partitionsOf(database.client, family);
      const find = (p: PartitionRow) =>
        rows.find((r) => r.version === p.version && r.partition === p.partition)!;
      // The killed instance's partitions were finished by another under a newer token.
      for (const p of killed) {
        expect(find(p).token).toBeGreaterThan(p.token);
        expect(find(p).holder).not.toBe('three-b');
      }
      // After waking, the paused instance sent nothing more under the claims it had lost.
      for (const p of paused) {
        expect(find(p).token).toBeGreaterThan(p.token);
        const late = c.events.filter(
          (e) =>
            e.action === 'bulk' &&
            e.version === p.version &&
            e.partition === p.partition &&
            e.token === p.token &&
            (e.at as number) >= resumedAt,
        );
        expect(late).toEqual([]);
      }
      for (const { child } of [a, c]) child.kill('SIGTERM');
      await Promise.all([a, c].map(({ child }) => new Promise((resolve) => child.once('exit', resolve))));
    },
    SCENARIO_TIMEOUT_MS,
  );
});
