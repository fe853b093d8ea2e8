import { type ChildProcess, execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import type { ChangePosition, KeyColumn } from 'search-sync';
import { CheckpointStore, comparePositions, RunStore } from 'search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsV1, productsV2 } from '../src/catalog/products.family.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import { writeRandomly } from './support/catalog.writers.js';
import { startInstance as startProcess } from './support/instance.process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, OPENSEARCH_URL, uniqueName } from './support/test-opensearch.js';

const LEASE_TTL_MS = 2000;
const keys = [{ kind: 'number', sqlType: 'integer' } as KeyColumn];

/** Starts one application instance (a separate Node process) and waits until it has bootstrapped. */
const startInstance = (database: TestDatabase, family: string, instance: string) =>
  startProcess(database, { family, instance, opensearch: OPENSEARCH_URL, leaseTtlMs: LEASE_TTL_MS });

describe('two application instances on one database', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('products');
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // The instances run the compiled application, as production would.
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 20_000 });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('never overlap runs of a family, never move a checkpoint back, and survive the lease holder being killed', async () => {
    const checkpoints = new CheckpointStore();
    const runs = new RunStore();
    const a = await startInstance(database, family, 'instance-a');
    children.push(a);
    // A takes the lease for the first (long) run; only then does B start, so A is the holder to kill.
    for (
      let i = 0;
      !(await runs.list(database.db, family)).some(
        (r) => r.holder === 'instance-a' && r.outcome === 'running',
      );
      i++
    ) {
      if (i > 200) throw new Error('instance-a never started a run');
      await sleep(50);
    }
    const b = await startInstance(database, family, 'instance-b');
    children.push(b);

    const samples: Map<number, ChangePosition>[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await checkpoints.read(database.db, family));
        await sleep(100);
      }
    })();
    let stopWriters!: () => void;
    const writersStopped = new Promise<void>((resolve) => {
      stopWriters = resolve;
    });
    const writers = writeRandomly(database.client, { until: writersStopped, seed: 11, pauseMs: 10 });

    // Kill A in the middle of its run, once it has committed some batches.
    for (let i = 0; !(await checkpoints.read(database.db, family)).get(1); i++) {
      if (i > 400) throw new Error('instance-a never committed a batch');
      await sleep(50);
    }
    const killedAt = Date.now();
    a.kill('SIGKILL');
    await sleep(LEASE_TTL_MS + 4000);
    stopWriters();
    await writers;

    // B takes over after the lease expires and brings both versions to the source.
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        await expectVersionsMatchSource(client, database, family, [productsV1, productsV2]);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
    sampling = false;
    await sampler;
    b.kill('SIGTERM');
    await new Promise((resolve) => b.once('exit', resolve));

    // Checkpoints only ever moved forward.
    for (let i = 1; i < samples.length; i++) {
      for (const [version, position] of samples[i - 1]) {
        expect(comparePositions(keys, samples[i].get(version)!, position)).toBeGreaterThanOrEqual(0);
      }
    }
    // The run log: runs never overlap, each holder's token is newer than the last, and B ran only after A died.
    const log = (await runs.list(database.db, family)).filter((r) => r.outcome !== 'skipped');
    // The killed run does not stay "running" forever: the instance that took the lease over closed it.
    expect(log.filter((r) => r.outcome === 'running')).toEqual([]);
    const killed = log.filter((r) => r.outcome === 'abandoned');
    expect(killed.map((r) => r.holder)).toEqual(['instance-a']);
    expect(killed[0].finishedAt).toBeInstanceOf(Date);
    expect(killed[0].error).toMatch(/lease expired before it finished.*instance-b took the family over/);
    for (let i = 1; i < log.length; i++) {
      const previous = log[i - 1];
      const end = previous.finishedAt!.getTime();
      expect(log[i].startedAt.getTime()).toBeGreaterThanOrEqual(end);
      expect(log[i].token!).toBeGreaterThan(previous.token!);
    }
    const takeover = log.find((r) => r.holder === 'instance-b');
    expect(takeover).toBeDefined();
    expect(takeover!.startedAt.getTime()).toBeGreaterThanOrEqual(killedAt);
    const skipped = (await runs.list(database.db, family)).filter(
      (r) => r.outcome === 'skipped' && r.holder === 'instance-b',
    );
    expect(skipped.length).toBeGreaterThan(0);
    expect(log.filter((r) => r.holder === 'instance-b' && r.outcome === 'succeeded').length).toBeGreaterThan(
      0,
    );
  });
});
