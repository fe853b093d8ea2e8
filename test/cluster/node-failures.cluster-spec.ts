import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import { ClusterUnavailableError, LeaseLostError } from 'search-sync';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  clusterClient,
  electedManager,
  NODE_NAMES,
  nodeOfUrl,
  nodeWithMostPrimaries,
  REQUEST_TIMEOUT_MS,
  restartNode,
  signalNode,
  untilHealth,
} from './support/cluster.nodes.js';
import {
  createScenario,
  createSync,
  dropScenario,
  expectInvariants,
  type Scenario,
  sampleCheckpoints,
  startInstances,
  until,
} from './support/cluster.scenario.js';
import { startWriters } from './support/cluster.writers.js';

const PRODUCTS = 3000;
const HOLDERS = ['instance-a', 'instance-b'];

/** A failure done to a node while the live versions sync a burst of changes; says which node it hit. */
type Disruption = (scenario: Scenario) => Promise<{ node: string; killed: boolean }>;

const kill = (pick: (scenario: Scenario) => Promise<string>): Disruption => {
  return async (scenario) => {
    const node = await pick(scenario);
    signalNode(node, 'SIGKILL');
    return { node, killed: true };
  };
};

/**
 * Backfills a family whose versions keep one replica, then, while two instances sync a burst of changes
 * with a writer running, does `disrupt` to a node mid-run. Every run completes (no run fails), and the
 * invariants hold.
 */
async function liveRunSurvives(disrupt: Disruption, onClient?: (client: Client) => void) {
  const scenario = await createScenario(PRODUCTS, 1);
  let hit: { node: string; killed: boolean } | null = null;
  try {
    const sampler = sampleCheckpoints(scenario);
    const instances = startInstances(scenario, HOLDERS, { onClient });
    await until(
      'the backfill completed',
      () => instances.results.some((r) => r.outcome === 'completed'),
      () => instances.failures,
    );
    // After the backfill, the versions' own settings are back: every shard has a replica on another node.
    await untilHealth(scenario.client, 'green', 3);
    const writers = startWriters(scenario.database.client, 17, scenario.stoppers);
    await scenario.database.client`update products set price = price + 1, updated_at = now()`;
    const before = instances.progress.batches;
    await until(
      'the burst is being synced',
      () => instances.progress.batches >= before + 2,
      () => instances.trail.join('\n'),
    );
    hit = await disrupt(scenario);
    const after = instances.progress.batches;
    console.log(
      `${hit.killed ? 'killed' : 'paused'} ${hit.node} after ${after - before} batches of the burst`,
    );
    const completed = instances.results.length;
    await until(
      'runs went on after the failure',
      () => instances.progress.batches >= after + 5,
      () => instances.trail.join('\n'),
    );
    await writers.stop();
    await until('a run completed after the failure', () =>
      instances.results.slice(completed).some((r) => r.outcome === 'completed'),
    );
    await instances.stop();
    expect(instances.failures).toEqual([]);
    await expectInvariants(scenario, await sampler.stop());
  } finally {
    if (hit?.killed) await restartNode(scenario.client, hit.node);
    await untilHealth(scenario.client, 'green', 3);
    await dropScenario(scenario);
  }
}

describe('a three-node cluster losing a node while a family syncs', () => {
  const repair = clusterClient();
  afterAll(() => repair.close());
  afterEach(async () => {
    // Whatever a scenario did, the next one starts with three running nodes.
    for (const node of NODE_NAMES) {
      try {
        signalNode(node, 'SIGCONT');
      } catch {
        await restartNode(repair, node);
      }
    }
  });

  it('a: kill -9 of the node holding most primaries, with one replica: the run completes, no dead letter', async () => {
    await liveRunSurvives(kill((s) => nodeWithMostPrimaries(s.client, `${s.family}_*`)));
  });

  it('c: kill -9 of the elected cluster manager: the run completes, no dead letter', async () => {
    await liveRunSurvives(kill((s) => electedManager(s.client)));
  });

  it('d: kill -9 of the node a bulk request is in flight to: the request goes to another node', async () => {
    let armed = false;
    let victim: string | null = null;
    await liveRunSurvives(
      async () => {
        armed = true;
        await until('a bulk request was sent', () => victim !== null);
        return { node: victim!, killed: true };
      },
      (client) =>
        client.on('request', (_error, result) => {
          if (!armed || !result?.meta.request.params.path.endsWith('/_bulk')) return;
          armed = false;
          victim = nodeOfUrl(String(result.meta.connection?.url));
          // Once the request has left: the node dies with it in flight.
          setTimeout(() => signalNode(victim!, 'SIGKILL'), 20);
        }),
    );
  });

  it('e: SIGSTOP of a node for longer than the client request timeout: the run completes, no dead letter', async () => {
    await liveRunSurvives(async (s) => {
      const node = await nodeWithMostPrimaries(s.client, `${s.family}_*`);
      signalNode(node, 'SIGSTOP');
      await sleep(REQUEST_TIMEOUT_MS * 2);
      signalNode(node, 'SIGCONT');
      return { node, killed: false };
    });
  });

  it('b: kill -9 of a node during a backfill without replicas: the run stops with its checkpoints, and resumes once the node is back', async () => {
    const scenario = await createScenario(PRODUCTS, 0);
    let victim: string | null = null;
    try {
      const sampler = sampleCheckpoints(scenario);
      const retry = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 2000, maxElapsedMs: 15_000 };
      const instances = startInstances(scenario, HOLDERS, { bulk: { retry } });
      const writers = startWriters(scenario.database.client, 23, scenario.stoppers);
      await until('the backfill committed batches', () => instances.progress.batches >= 2);
      victim = await nodeWithMostPrimaries(scenario.client, `${scenario.family}_*`);
      signalNode(victim, 'SIGKILL');
      console.log(`killed ${victim} after ${instances.progress.batches} batches of the backfill`);
      await until('a run stopped', () => instances.failures.length > 0);
      // Its shards have no copy left: the run stopped rather than dead-letter their documents.
      expect(await createSync(scenario, scenario.client).deadLetters()).toEqual([]);
      expect(instances.results.filter((r) => r.outcome === 'completed')).toEqual([]);
      await restartNode(scenario.client, victim);
      victim = null;
      const completed = instances.results.length;
      await until('a run completed once the node was back', () =>
        instances.results.slice(completed).some((r) => r.outcome === 'completed'),
      );
      await writers.stop();
      await instances.stop();
      // A run stopped by the outage; another may also have lost its lease while the cluster held it up.
      for (const failure of instances.failures) {
        expect(failure instanceof ClusterUnavailableError || failure instanceof LeaseLostError).toBe(true);
      }
      expect(instances.failures.some((f) => f instanceof ClusterUnavailableError)).toBe(true);
      expect(instances.failures.map(String).join('\n')).toMatch(
        /unavailable_shards_exception|No checkpoint was moved/,
      );
      await expectInvariants(scenario, await sampler.stop());
    } finally {
      if (victim) await restartNode(scenario.client, victim);
      await dropScenario(scenario);
    }
  });
});
