import type { BenchCase, CaseResult, TargetVerdict } from '../bench.case.js';
import { runFlink } from '../bench.peer-flink.js';
import { preparePeer } from '../bench.peer-job.js';
import { runOurs } from '../bench.peer-ours.js';
import { peerTables } from '../bench.peer-report.js';
import { type Expected, FLINK, OURS, PEER_DATABASE, PEER_PUBLICATION } from '../bench.peer-results.js';
import { dropPeerSlots, prepareForPeer } from '../bench.peer-run.js';
import { ThrowawayCluster } from '../bench.pg-cluster.js';
import { round } from '../bench.stats.js';

/**
 * A real peer side by side: Flink CDC (postgres-cdc → OpenSearch, products joined with their category
 * and tags) and our sync, one after the other, on the same rows in a PostgreSQL cluster of the case's
 * own (`wal_level=logical`) and on the same OpenSearch node. Initial load, CPU, memory, freshness at a
 * steady write rate, a category rename fanning out to its products, and N = 2.
 */
export const peerCase: BenchCase = {
  name: 'peer',

  async run(ctx) {
    const skip = (reason: string): CaseResult[] => {
      ctx.log(`peer case skipped: ${reason}`);
      return [{ case: 'peer', status: 'skipped', reason }];
    };
    const peer = preparePeer(ctx.log);
    if (peer) return skip(peer.unavailable);
    const cluster = ThrowawayCluster.start(ctx.config.peer.port);
    if ('unavailable' in cluster) return skip(cluster.unavailable);
    ctx.log(`throwaway PostgreSQL cluster on port ${cluster.port} (wal_level=logical)`);
    try {
      const dataset = await ctx.env.dataset(PEER_DATABASE, ctx.config.peer.rows, ctx.log, cluster.url());
      await prepareForPeer(dataset.sql, PEER_PUBLICATION);
      const [expected] = await dataset.sql<Expected[]>`
        select count(*)::int as v1, count(*) filter (where active)::int as v2
        from products where deleted_at is null`;
      try {
        return [...(await runFlink(ctx, dataset, expected)), ...(await runOurs(ctx, dataset, expected))];
      } finally {
        await dropPeerSlots(dataset.sql, 'bench_');
        await ctx.env.release(PEER_DATABASE);
      }
    } finally {
      cluster.remove();
      ctx.log(`removed the throwaway cluster on port ${cluster.port}`);
    }
  },

  tables: (results) => peerTables(results),

  targets(results) {
    if (results.some((r) => r.status === 'skipped')) return [];
    const load = (system: string) =>
      results.find((r) => r.system === system && r.measure === 'load' && r.versions === 1)!;
    const best = (system: string, measure: string, field: string) =>
      Math.min(
        ...results
          .filter((r) => r.system === system && r.measure === measure && r[field] !== null)
          .map((r) => r[field] as number),
      );
    const [flink, ours] = [load(FLINK), load(OURS)];
    const loadRatio = (ours.docsPerSec as number) / (flink.docsPerSec as number);
    const cpuRatio = (ours.cpuMsPer1kDocs as number) / (flink.cpuMsPer1kDocs as number);
    const [flinkP95, oursP95] = [
      best(FLINK, 'freshness', 'freshnessMsP95'),
      best(OURS, 'freshness', 'freshnessMsP95'),
    ];
    const [flinkRename, oursRename] = [best(FLINK, 'rename', 'seconds'), best(OURS, 'rename', 'seconds')];
    const verdicts: TargetVerdict[] = [
      {
        target: 'peer: initial load ≥ 5× Flink CDC (documents complete)',
        measured: `${round(loadRatio, 2)}× (${ours.docsPerSec} vs ${flink.docsPerSec} docs/s)`,
        met: loadRatio >= 5,
      },
      {
        target: 'peer: CPU per document ≤ 1/10 of Flink CDC',
        measured: `${round(cpuRatio, 3)} (${ours.cpuMsPer1kDocs} vs ${flink.cpuMsPer1kDocs} ms / 1k docs)`,
        met: cpuRatio <= 0.1,
      },
      {
        target: "peer: freshness p95 ≤ ½ of Flink CDC's best",
        measured: `${oursP95} ms vs ${flinkP95} ms`,
        met: oursP95 <= flinkP95 / 2,
      },
      {
        target: "peer: category rename ≤ Flink CDC's time",
        measured: `${round(oursRename, 2)} s vs ${round(flinkRename, 2)} s`,
        met: oursRename <= flinkRename,
      },
    ];
    return verdicts;
  },
};
