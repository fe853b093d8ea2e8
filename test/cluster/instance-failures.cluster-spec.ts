import { type ChildProcess, execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunStore } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../../src/catalog/catalog.seed.js';
import { productsV1, productsV2 } from '../../src/catalog/products.family.js';
import { startInstance } from '../support/instance.process.js';
import { createTestDatabase } from '../support/test-database.js';
import { uniqueName } from '../support/test-opensearch.js';
import { clusterClient, NODE_URLS } from './support/cluster.nodes.js';
import {
  dropScenario,
  expectSynced,
  type Scenario,
  sampleCheckpoints,
  until,
} from './support/cluster.scenario.js';
import { startWriters } from './support/cluster.writers.js';

const LEASE_TTL_MS = 2000;
const HOLDERS = ['instance-a', 'instance-b', 'instance-c'];

describe('application instances killed and paused mid-run, on the three-node cluster', () => {
  let scenario: Scenario;
  const children = new Map<string, ChildProcess>();

  beforeAll(async () => {
    // The instances run the compiled application, as production would.
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
    const database = await createTestDatabase();
    await seedCatalog(database.db, { products: 3000 });
    scenario = {
      database,
      family: uniqueName('cluster'),
      versions: [productsV1, productsV2],
      client: clusterClient(),
      stoppers: [],
    };
  });

  afterAll(async () => {
    for (const child of children.values()) {
      child.kill('SIGCONT');
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await dropScenario(scenario);
  });

  it('f: SIGKILL of the instance running the family, then SIGSTOP of its successor past the lease: another takes over each time', async () => {
    const { database, family } = scenario;
    const runs = new RunStore();
    const running = async () =>
      (await runs.list(database.db, family)).find((r) => r.outcome === 'running')?.holder ?? null;
    const start = async (instance: string) =>
      children.set(
        instance,
        await startInstance(database, {
          family,
          instance,
          opensearch: NODE_URLS.join(','),
          leaseTtlMs: LEASE_TTL_MS,
        }),
      );
    const sampler = sampleCheckpoints(scenario);
    // A takes the lease for the backfill; only then do B and C start, so A is the holder to kill.
    await start('instance-a');
    await until('instance-a runs the family', async () => (await running()) === 'instance-a');
    await start('instance-b');
    await start('instance-c');
    const writers = startWriters(database.client, 31, scenario.stoppers);
    // A burst of changes, so that A is killed in the middle of a run rather than between two.
    await database.client`update products set price = price + 1, updated_at = now()`;
    await until('instance-a runs the family again', async () => (await running()) === 'instance-a');
    children.get('instance-a')!.kill('SIGKILL');
    const killedAt = Date.now();
    let successor: string | null = null;
    await until('another instance took over', async () => {
      successor = await running();
      return successor !== null && successor !== 'instance-a';
    });
    // Changes for the successor's runs to work on while it is paused.
    await database.client`update products set price = price + 1, updated_at = now()`;
    await until('the successor runs again', async () => (await running()) === successor);
    const paused = children.get(successor!)!;
    paused.kill('SIGSTOP');
    const pausedAt = Date.now();
    await sleep(LEASE_TTL_MS * 3);
    const third = HOLDERS.find((h) => h !== 'instance-a' && h !== successor)!;
    await until('the third instance took over', async () =>
      (await runs.list(database.db, family)).some(
        (r) => r.holder === third && r.startedAt.getTime() > pausedAt,
      ),
    );
    // The paused instance wakes up with a lease that is no longer its own: its commits are refused.
    paused.kill('SIGCONT');
    await writers.stop();

    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await expectSynced(scenario, []);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(1000);
      }
    }
    for (const holder of HOLDERS.slice(1)) {
      const child = children.get(holder)!;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await expectSynced(scenario, await sampler.stop());

    const log = (await runs.list(database.db, family)).filter((r) => r.outcome !== 'skipped');
    expect(log.filter((r) => r.outcome === 'running')).toEqual([]);
    // Each holder's token is newer than the one before, whoever held it.
    for (let i = 1; i < log.length; i++) expect(log[i].token!).toBeGreaterThan(log[i - 1].token!);
    const abandoned = log.filter((r) => r.outcome === 'abandoned').map((r) => r.holder);
    expect(abandoned).toContain('instance-a');
    expect(abandoned).toContain(successor);
    expect(log.some((r) => r.holder === successor && r.startedAt.getTime() >= killedAt)).toBe(true);
  });
});
