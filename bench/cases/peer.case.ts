import type { BenchCase, BenchContext, CaseResult, TargetVerdict } from '../bench.case.js';
import { runChild } from '../bench.child.js';
import { type Dataset, deleteBenchIndexes, OPENSEARCH_URL } from '../bench.environment.js';
import { familyName } from '../bench.families.js';
import { activeProductIds, measureFreshness, measureRename } from '../bench.live.js';
import { startLiveSync } from '../bench.ours-live.js';
import { peerJobSql, preparePeer } from '../bench.peer-job.js';
import { peerTables } from '../bench.peer-report.js';
import {
  createPeerIndex,
  dropPeerSlots,
  followPeerLoad,
  type PeerIndex,
  prepareForPeer,
} from '../bench.peer-run.js';
import { ThrowawayCluster } from '../bench.pg-cluster.js';
import { round } from '../bench.stats.js';

const DATABASE = 'search_sync_bench_peer';
const PUBLICATION = 'bench_peer';
export const FLINK = 'Flink CDC';
export const OURS = 'search-sync';

const perThousand = (ms: number, documents: number) => round((ms * 1000) / documents, 1);

interface Expected {
  readonly v1: number;
  readonly v2: number;
}

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
      const dataset = await ctx.env.dataset(DATABASE, ctx.config.peer.rows, ctx.log, cluster.url());
      await prepareForPeer(dataset.sql, PUBLICATION);
      const [expected] = await dataset.sql<Expected[]>`
        select count(*)::int as v1, count(*) filter (where active)::int as v2
        from products where deleted_at is null`;
      try {
        return [...(await runPeer(ctx, dataset, expected)), ...(await runOurs(ctx, dataset, expected))];
      } finally {
        await dropPeerSlots(dataset.sql, 'bench_');
        await ctx.env.release(DATABASE);
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

/** The peer three times: default settings (load, freshness, rename), a 50 ms poll (load, freshness), N = 2. */
async function runPeer(ctx: BenchContext, dataset: Dataset, expected: Expected): Promise<CaseResult[]> {
  const settings = ctx.config.peer;
  const runs = [
    { setting: 'default (poll 500 ms)', poll: undefined, shapes: ['v2'] as const, live: true, rename: true },
    {
      setting: `poll ${settings.connectorPollMs} ms`,
      poll: settings.connectorPollMs,
      shapes: ['v2'] as const,
      live: true,
      rename: false,
    },
    {
      setting: 'default (poll 500 ms)',
      poll: undefined,
      shapes: ['v1', 'v2'] as const,
      live: false,
      rename: false,
    },
  ];
  const results: CaseResult[] = [];
  let writesDone = 0;
  for (const [i, run] of runs.slice(0, settings.everyPeerSetting ? runs.length : 1).entries()) {
    const tag = familyName(ctx.runId, 'peer', i);
    const targets: PeerIndex[] = run.shapes.map((shape) => ({
      index: `${tag}_${shape}`,
      shape,
      expected: expected[shape],
    }));
    ctx.log(`  Flink CDC, ${run.setting}, ${targets.length} sink(s): starting the job`);
    try {
      for (const target of targets) await createPeerIndex(ctx.env.client, target);
      const sql = peerJobSql({
        port: Number(new URL(dataset.url).port),
        database: DATABASE,
        tag,
        publication: PUBLICATION,
        openSearchUrl: OPENSEARCH_URL,
        sinks: targets,
        pollIntervalMs: run.poll,
        checkpointDir: `/tmp/search-sync-bench-peer-${tag}/checkpoints`,
      });
      const { job, load } = await followPeerLoad(ctx, sql, tag, targets);
      try {
        const docsPerSec = Math.round(load.documents / load.completeSeconds);
        ctx.log(
          `  Flink CDC: ${load.documents} documents complete ${round(load.completeSeconds, 1)} s after the first ` +
            `(${docsPerSec} docs/s; start-up ${round(load.startupSeconds + load.firstDocumentSeconds, 1)} s), ` +
            `JVM CPU ${Math.round(load.cpuMs)} ms, peak RSS ${Math.round(load.peakRssMb)} MB`,
        );
        results.push({
          case: 'peer',
          system: FLINK,
          measure: 'load',
          setting: run.setting,
          versions: targets.length,
          documents: load.documents,
          docsPerSec,
          docsPerSecCount: Math.round(load.documents / load.countSeconds),
          seconds: round(load.completeSeconds, 2),
          startupSeconds: round(load.startupSeconds + load.firstDocumentSeconds, 1),
          cpuMsPer1kDocs: perThousand(load.cpuMs, load.documents),
          totalCpuMsPer1kDocs: perThousand(load.totalCpuMs, load.documents),
          openSearchCpuMsPer1kDocs: perThousand(load.openSearchCpuMs, load.documents),
          peakRssMb: Math.round(load.peakRssMb),
        });
        if (run.live) {
          const ids = await activeProductIds(
            dataset.sql,
            settings.writesPerSecond * settings.writeSeconds,
            writesDone,
          );
          writesDone += ids.length;
          const fresh = await measureFreshness({
            sql: dataset.sql,
            client: ctx.env.client,
            index: targets[0].index,
            ids,
            writesPerSecond: settings.writesPerSecond,
            pollIntervalMs: settings.searchPollMs,
            tag,
            graceMs: 20_000,
          });
          ctx.log(
            `  Flink CDC, ${run.setting}: freshness p50/p95/max ${fresh.p50}/${fresh.p95}/${fresh.max} ms (${fresh.seen}/${fresh.writes})`,
          );
          results.push(freshnessResult(FLINK, run.setting, fresh));
        }
        if (run.rename) {
          const rename = await measureRename(dataset.sql, ctx.env.client, targets[0].index, tag);
          ctx.log(
            `  Flink CDC: category rename reached ${rename.updated}/${rename.products} products in ${rename.seconds ?? '–'} s`,
          );
          results.push(renameResult(FLINK, run.setting, rename));
        }
      } finally {
        await job.stop();
        await dropPeerSlots(dataset.sql, tag);
      }
    } finally {
      for (const target of targets) await deleteBenchIndexes(ctx.env.client, target.index);
    }
  }
  return results;
}

/** Ours: each load in a process of its own (CPU and peak RSS its own), then live mode per setting. */
async function runOurs(ctx: BenchContext, dataset: Dataset, expected: Expected): Promise<CaseResult[]> {
  const settings = ctx.config.peer;
  const results: CaseResult[] = [];
  for (const versions of [1, 2]) {
    const family = familyName(ctx.runId, 'peer_ours', `n${versions}`);
    const openSearchBefore = await ctx.env.openSearchCpuMs();
    const report = await runChild([
      '--database-url',
      dataset.url,
      '--family',
      family,
      ...(versions === 1 ? ['--v2'] : ['--versions', '2']),
    ]);
    const openSearchCpuMs = (await ctx.env.openSearchCpuMs()) - openSearchBefore;
    const documents = versions === 1 ? expected.v2 : expected.v1 + expected.v2;
    const docsPerSec = Math.round(documents / report.seconds);
    ctx.log(
      `  search-sync N=${versions}: ${documents} documents in ${round(report.seconds, 2)} s (${docsPerSec} docs/s), ` +
        `CPU ${Math.round(report.cpuMs)} ms, peak RSS ${Math.round(report.peakRssMb)} MB`,
    );
    results.push({
      case: 'peer',
      system: OURS,
      measure: 'load',
      setting: 'FamilySync.run()',
      versions,
      documents,
      docsPerSec,
      docsPerSecCount: docsPerSec,
      seconds: round(report.seconds, 2),
      startupSeconds: null,
      cpuMsPer1kDocs: perThousand(report.cpuMs, documents),
      totalCpuMsPer1kDocs: perThousand(report.cpuMs, documents),
      openSearchCpuMsPer1kDocs: perThousand(openSearchCpuMs, documents),
      peakRssMb: Math.round(report.peakRssMb),
    });
  }
  const live = [
    ...settings.schedulesMs.map((everyMs) => ({ everyMs, wakeOnCommit: false })),
    { everyMs: settings.schedulesMs[0], wakeOnCommit: true },
  ];
  for (const [i, setting] of live.entries()) {
    const label = `${setting.wakeOnCommit ? 'wake on commit, ' : ''}schedule ${setting.everyMs} ms`;
    const family = familyName(ctx.runId, 'peer_live', i);
    try {
      const sync = await startLiveSync(dataset.db, ctx.env.client, family, setting, expected.v2);
      try {
        const writes = settings.writesPerSecond * settings.writeSeconds;
        const ids = await activeProductIds(dataset.sql, writes, 5_000 + i * writes);
        const fresh = await measureFreshness({
          sql: dataset.sql,
          client: ctx.env.client,
          index: sync.alias,
          ids,
          writesPerSecond: settings.writesPerSecond,
          pollIntervalMs: settings.searchPollMs,
          tag: family,
          graceMs: 20_000,
        });
        ctx.log(
          `  search-sync, ${label}: freshness p50/p95/max ${fresh.p50}/${fresh.p95}/${fresh.max} ms (${fresh.seen}/${fresh.writes})`,
        );
        results.push(freshnessResult(OURS, label, fresh));
        const rename = await measureRename(dataset.sql, ctx.env.client, sync.alias, family);
        ctx.log(
          `  search-sync, ${label}: category rename reached ${rename.updated}/${rename.products} products in ${rename.seconds ?? '–'} s`,
        );
        results.push(renameResult(OURS, label, rename));
      } finally {
        await sync.close();
      }
    } finally {
      await deleteBenchIndexes(ctx.env.client, `${family}_*`);
    }
  }
  return results;
}

function freshnessResult(
  system: string,
  setting: string,
  fresh: Awaited<ReturnType<typeof measureFreshness>>,
): CaseResult {
  return {
    case: 'peer',
    system,
    measure: 'freshness',
    setting,
    writes: fresh.writes,
    seen: fresh.seen,
    freshnessMsP50: fresh.p50,
    freshnessMsP95: fresh.p95,
    freshnessMsMax: fresh.max,
  };
}

function renameResult(
  system: string,
  setting: string,
  rename: Awaited<ReturnType<typeof measureRename>>,
): CaseResult {
  return {
    case: 'peer',
    system,
    measure: 'rename',
    setting,
    products: rename.products,
    updated: rename.updated,
    seconds: rename.seconds === null ? null : round(rename.seconds, 2),
  };
}
