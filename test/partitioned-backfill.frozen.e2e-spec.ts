import { execFileSync } from 'node:child_process';
import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsV1, productsV2 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { eventually } from './support/eventually.js';
import { type InstanceProcess, startInstanceProcess } from './support/instance.process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

/** Only keeps a broken scenario from hanging the suite (processes start slowly on a busy machine). */
const SCENARIO_TIMEOUT_MS = 400_000;
const ENV = { LEASE_TTL_MS: '2000', EVERY_MS: '200', BATCH_SIZE: '100', PARTITION_ROWS: '1500' };

describe('a partition holder frozen inside its cursor commit', () => {
  let database: TestDatabase;
  let client: Client;
  const instances: InstanceProcess[] = [];
  const family = uniqueName('frozen');

  beforeAll(async () => {
    // The instances run the compiled application, as production would.
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
    client = createClient();
    database = await createTestDatabase();
    await seedCatalog(database.db, { products: 6000 });
  });

  afterAll(async () => {
    for (const { child } of instances) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  const start = async (name: string, env: Record<string, string> = {}) => {
    const instance = await startInstanceProcess(database, family, name, { ...ENV, ...env });
    instances.push(instance);
    return instance;
  };
  const partitionsOf = (holder?: string) =>
    database.client<{ version: number; partition: number; state: string; holder: string; token: string }[]>`
      select version, partition, state, holder, token::text as token from search_sync.backfill_partitions
      where family = ${family} and (${holder ?? null}::text is null or holder = ${holder ?? null})
      order by version, partition`;

  it(
    'loses its partition to another instance, which finishes the backfill while it stays frozen',
    async () => {
      // Alone, A plans the partitions, claims one, and stops itself just before its first cursor commit.
      const frozen = await start('frozen-a', { FREEZE_IN_COMMIT: '1' });
      await eventually(
        async () => expect(frozen.events.some((e) => e.type === 'frozen')).toBe(true),
        120_000,
        20,
      );
      const held = await partitionsOf('frozen-a');
      expect(held.filter((p) => p.state === 'claimed')).toHaveLength(1);
      const [claim] = held.filter((p) => p.state === 'claimed');

      const other = await start('other-b');
      await eventually(async () => {
        const versions =
          await database.client`select state from search_sync.versions where family = ${family}`;
        expect(versions).toHaveLength(2);
        for (const { state } of versions) expect(['live', 'serving']).toContain(state);
      }, 180_000);
      // A is still stopped: B took its partition over and finished every one.
      const rows = await partitionsOf();
      expect(rows.filter((p) => p.state !== 'done')).toEqual([]);
      const taken = rows.find((p) => p.version === claim.version && p.partition === claim.partition)!;
      expect(Number(taken.token)).toBeGreaterThan(Number(claim.token));
      expect(taken.holder).toBe('other-b');
      await eventually(() => expectVersionsMatchSource(client, database, family, [productsV1, productsV2]));

      // Woken, A finds its commit cut off: it sends nothing more for the claim it lost, and closes cleanly.
      const resumedAt = Date.now();
      frozen.child.kill('SIGCONT');
      for (const { child } of [frozen, other]) child.kill('SIGTERM');
      const codes = await Promise.all(
        [frozen, other].map(({ child }) => new Promise((resolve) => child.once('exit', resolve))),
      );
      expect(codes).toEqual([0, 0]);
      const late = frozen.events.filter(
        (e) =>
          e.action === 'bulk' &&
          e.version === claim.version &&
          e.partition === claim.partition &&
          (e.at as number) >= resumedAt,
      );
      expect(late).toEqual([]);
      await expectVersionsMatchSource(client, database, family, [productsV1, productsV2]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
