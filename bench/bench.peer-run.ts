import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@opensearch-project/opensearch';
import type postgres from 'postgres';
import { productsV1, productsV2 } from '../src/catalog/products.family.js';
import type { BenchContext } from './bench.case.js';
import { PEER_TABLES, type PeerJob, type PeerShape, startPeerJob } from './bench.peer-job.js';
import { pidCpuMs, pidPeakRssMb } from './bench.process.js';

/** Where a peer job's load got to: times from the job's submission, in seconds, and its CPU. */
export interface PeerLoad {
  readonly documents: number;
  /** JVM start until the job was submitted (mini-cluster up, SQL planned). */
  readonly startupSeconds: number;
  /** Job submitted until the first document was searchable. */
  readonly firstDocumentSeconds: number;
  /** First document until the count reached every expected document. */
  readonly countSeconds: number;
  /** First document until every document was complete (category and tags). */
  readonly completeSeconds: number;
  /** JVM CPU between the first document and the last one complete. */
  readonly cpuMs: number;
  /** JVM CPU from its start to the last document complete. */
  readonly totalCpuMs: number;
  readonly openSearchCpuMs: number;
  readonly peakRssMb: number;
}

export interface PeerIndex {
  readonly index: string;
  readonly shape: PeerShape;
  /** Documents it must hold once loaded. */
  readonly expected: number;
}

const SETTINGS = { number_of_shards: 1, number_of_replicas: 0 };

/**
 * The peer's index, created before the job with our mappings for that shape (dynamic mapping would type
 * price as long), plus the `id` field: the Flink sink writes its key column into the document too.
 */
export async function createPeerIndex(client: Client, { index, shape }: PeerIndex): Promise<void> {
  const mappings = (shape === 'v2' ? productsV2 : productsV1).mappings as {
    properties: Record<string, unknown>;
  };
  await client.indices.create({
    index,
    body: {
      settings: SETTINGS,
      mappings: { ...mappings, properties: { ...mappings.properties, id: { type: 'integer' } } },
    } as never,
  });
}

async function counts(client: Client, target: PeerIndex): Promise<{ all: number; complete: number }> {
  const required = target.shape === 'v2' ? ['tags', 'category'] : ['tags'];
  const [all, complete] = await Promise.all([
    client.count({ index: target.index }),
    client.count({
      index: target.index,
      body: { query: { bool: { filter: required.map((field) => ({ exists: { field } })) } } },
    }),
  ]);
  return { all: all.body.count, complete: complete.body.count };
}

/**
 * Starts the peer job and follows its initial load through searches every `pollMs`: the first document,
 * the count reaching the expected documents, and every document complete (the join emits a product
 * before its category and tags reach it, then updates it). Fails after `maxWaitMs`.
 */
export async function followPeerLoad(
  ctx: BenchContext,
  sql: string,
  tag: string,
  targets: readonly PeerIndex[],
  { pollMs = 250, maxWaitMs = 600_000 } = {},
): Promise<{ job: PeerJob; load: PeerLoad }> {
  const { env } = ctx;
  const openSearchBefore = await env.openSearchCpuMs();
  const job = await startPeerJob(sql, tag);
  try {
    let first: { at: number; cpu: number } | null = null;
    let countAt: number | null = null;
    const expected = targets.reduce((sum, t) => sum + t.expected, 0);
    for (;;) {
      const now = performance.now();
      if (now - job.submittedAt > maxWaitMs) {
        throw new Error(`the peer did not complete its load within ${maxWaitMs / 1000} s (see ${job.log})`);
      }
      const found = await Promise.all(targets.map((t) => counts(env.client, t)));
      const all = found.reduce((sum, c) => sum + c.all, 0);
      const complete = found.every((c, i) => c.all === targets[i].expected && c.complete === c.all);
      if (!first && all > 0) first = { at: now, cpu: pidCpuMs(job.pid) };
      if (countAt === null && all >= expected) countAt = now;
      if (first && complete) {
        const cpu = pidCpuMs(job.pid);
        const load: PeerLoad = {
          documents: expected,
          startupSeconds: (job.submittedAt - job.startedAt) / 1000,
          firstDocumentSeconds: (first.at - job.submittedAt) / 1000,
          countSeconds: ((countAt ?? now) - first.at) / 1000,
          completeSeconds: (now - first.at) / 1000,
          cpuMs: cpu - first.cpu,
          totalCpuMs: cpu,
          openSearchCpuMs: (await env.openSearchCpuMs()) - openSearchBefore,
          peakRssMb: pidPeakRssMb(job.pid),
        };
        return { job, load };
      }
      await sleep(pollMs);
    }
  } catch (error) {
    await job.stop(true);
    throw error;
  }
}

/**
 * What the peer needs of the database, done once: every captured table logs its whole old row (else
 * updates and deletes fail with "before field is null" in a restart loop), and one publication for all.
 */
export async function prepareForPeer(sql: postgres.Sql, publication: string): Promise<void> {
  for (const table of PEER_TABLES) await sql.unsafe(`alter table ${table} replica identity full`);
  await sql.unsafe(`create publication ${publication} for table ${PEER_TABLES.join(', ')}`);
}

/** Drops a stopped job's replication slots (they outlive it and would hold WAL back), once released. */
export async function dropPeerSlots(sql: postgres.Sql, tag: string, maxWaitMs = 30_000): Promise<void> {
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const slots = await sql<{ slot_name: string; active: boolean }[]>`
      select slot_name, active from pg_replication_slots where slot_name like ${`${tag}%`}`;
    for (const slot of slots.filter((s) => !s.active)) {
      await sql`select pg_drop_replication_slot(${slot.slot_name})`;
    }
    if (slots.every((s) => !s.active)) return;
    if (performance.now() > deadline) {
      throw new Error(`replication slots still in use: ${slots.map((s) => s.slot_name).join(', ')}`);
    }
    await sleep(500);
  }
}
