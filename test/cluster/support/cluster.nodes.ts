import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@opensearch-project/opensearch';

/** The nodes of scripts/opensearch-cluster.sh: cluster-1..3 on http ports 9211..9213 unless told otherwise. */
const HTTP_BASE = Number(process.env.CLUSTER_HTTP_BASE ?? 9210);
export const NODE_NAMES = ['cluster-1', 'cluster-2', 'cluster-3'] as const;
export const NODE_URLS = NODE_NAMES.map((_, i) => `http://127.0.0.1:${HTTP_BASE + i + 1}`);

/** Client timeout of the scenarios: short, so that a paused node costs seconds, not the default 30 s. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** A client given all three nodes, as an application would be. */
export function clusterClient(): Client {
  return new Client({ nodes: NODE_URLS, requestTimeout: REQUEST_TIMEOUT_MS });
}

function script(...args: string[]): string {
  return execFileSync('bash', ['scripts/opensearch-cluster.sh', ...args], { encoding: 'utf8' });
}

/** The pid of a running node, by name. */
export function nodePid(name: string): number {
  const line = script('pids')
    .split('\n')
    .find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`node ${name} is not running`);
  return Number(line.split(' ')[1]);
}

/** The node an http URL of the cluster belongs to. */
export function nodeOfUrl(url: string): string {
  const port = Number(new URL(url).port);
  return NODE_NAMES[port - HTTP_BASE - 1];
}

/** Sends a signal to a node's JVM: SIGKILL (a crash), SIGSTOP (a stall: a long GC pause, a frozen VM), SIGCONT. */
export function signalNode(name: string, signal: NodeJS.Signals): void {
  process.kill(nodePid(name), signal);
}

/** Starts a node again (its data is where it was) and waits until the cluster has all three nodes. */
export async function restartNode(client: Client, name: string): Promise<void> {
  script('start-node', name.slice(name.lastIndexOf('-') + 1));
  await untilHealth(client, 'green', 3);
}

/** Waits until the cluster has `nodes` nodes and is at least `status`. */
export async function untilHealth(client: Client, status: 'green' | 'yellow', nodes: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const { body } = await client.cluster.health({ wait_for_status: status, timeout: '5s' });
      if (!body.timed_out && body.number_of_nodes === nodes) return;
    } catch {
      // a node still starting, or the one just killed: ask again
    }
    if (Date.now() > deadline) throw new Error(`the cluster did not reach ${status} with ${nodes} nodes`);
    await sleep(500);
  }
}

/** The node holding the most started primaries of the indexes matching `pattern`. */
export async function nodeWithMostPrimaries(client: Client, pattern: string): Promise<string> {
  const { body } = await client.cat.shards({
    index: pattern,
    format: 'json',
    h: ['prirep', 'state', 'node'],
  });
  const primaries = new Map<string, number>();
  for (const shard of body as { prirep: string; state: string; node: string }[]) {
    if (shard.prirep === 'p' && shard.state === 'STARTED') {
      primaries.set(shard.node, (primaries.get(shard.node) ?? 0) + 1);
    }
  }
  const [most] = [...primaries].sort((a, b) => b[1] - a[1]);
  if (!most) throw new Error(`no started primary of ${pattern}`);
  return most[0];
}

/** The elected cluster manager. */
export async function electedManager(client: Client): Promise<string> {
  const { body } = await client.cat.clusterManager({ format: 'json' });
  return (body as { node: string }[])[0].node;
}
