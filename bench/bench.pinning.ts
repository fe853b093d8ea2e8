import os from 'node:os';
import type { Client } from '@opensearch-project/opensearch';
import type postgres from 'postgres';
import { cpuList, hasTaskset, pin } from './bench.process.js';

/** What a pinned measurement restores afterwards: each pinned pid and the CPU list it had. */
export interface Pinning {
  /** The cores OpenSearch got, and the cores the sync and PostgreSQL got. */
  readonly openSearchCpus: string;
  readonly clientCpus: string;
  restore(): void;
}

/** The local node's JVM pid, from the node itself; null when it runs elsewhere (or is not one node). */
async function openSearchPid(client: Client): Promise<number | null> {
  const response = await client.nodes.info({ node_id: '_local', metric: 'process' } as never);
  const nodes = Object.values(
    (response.body as { nodes: Record<string, { process?: { id?: number } }> }).nodes,
  );
  const pid = nodes.length === 1 ? nodes[0].process?.id : undefined;
  if (pid === undefined) return null;
  try {
    cpuList(pid);
    return pid;
  } catch {
    return null;
  }
}

/**
 * Why pinned mode cannot run here, or null: it needs `taskset`, at least two cores, and the OpenSearch
 * node running on this machine.
 */
export async function pinningUnavailable(client: Client): Promise<string | null> {
  if (!hasTaskset()) return 'taskset (util-linux) is not installed';
  if (os.cpus().length < 2) return 'a single core';
  if ((await openSearchPid(client)) === null) return 'the OpenSearch node does not run on this machine';
  return null;
}

/**
 * Gives OpenSearch cores of its own, as in production: its JVM (every thread) on the upper half of the
 * cores, this process (the sync or the raw client) and the PostgreSQL backends serving `sql` (its whole
 * pool, opened first) on the lower half. `restore` puts every affinity back as it was.
 */
export async function pinApart(client: Client, sql: postgres.Sql, poolSize: number): Promise<Pinning> {
  const cores = os.cpus().length;
  const half = Math.floor(cores / 2);
  const range = (from: number, to: number) => (to - from === 1 ? String(from) : `${from}-${to - 1}`);
  const clientCpus = range(0, half);
  const openSearchCpus = range(half, cores);
  const node = await openSearchPid(client);
  if (node === null) throw new Error('pinned mode: the OpenSearch node does not run on this machine');
  // As many statements at once as the pool has connections: each opens (or reuses) one backend.
  const backends = await Promise.all(
    Array.from(
      { length: poolSize },
      () => sql<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.05)`,
    ),
  );
  const targets = [
    { pid: node, cpus: openSearchCpus },
    { pid: process.pid, cpus: clientCpus },
    ...[...new Set(backends.map(([row]) => row.pid))].map((pid) => ({ pid, cpus: clientCpus })),
  ];
  const before = targets.map(({ pid }) => ({ pid, cpus: cpuList(pid) }));
  // The node is shared: an interrupted bench must not leave it on half the cores.
  const restore = () => {
    process.off('exit', restore);
    restoreAll(before);
  };
  process.on('exit', restore);
  try {
    for (const { pid, cpus } of targets) pin(pid, cpus);
  } catch (error) {
    restore();
    throw error;
  }
  return { openSearchCpus, clientCpus, restore };
}

function restoreAll(affinities: readonly { pid: number; cpus: string }[]): void {
  for (const { pid, cpus } of affinities) {
    try {
      pin(pid, cpus);
    } catch {
      // a backend that has exited since needs nothing back
    }
  }
}
