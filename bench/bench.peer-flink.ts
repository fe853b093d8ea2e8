import type { BenchContext, CaseResult } from './bench.case.js';
import { type Dataset, deleteBenchIndexes, OPENSEARCH_URL } from './bench.environment.js';
import { familyName } from './bench.families.js';
import { activeProductIds, measureFreshness, measureRename } from './bench.live.js';
import { peerJobSql } from './bench.peer-job.js';
import {
  type Expected,
  FLINK,
  freshnessResult,
  PEER_DATABASE,
  PEER_PUBLICATION,
  perThousand,
  renameResult,
} from './bench.peer-results.js';
import { createPeerIndex, dropPeerSlots, followPeerLoad, type PeerIndex } from './bench.peer-run.js';
import { round } from './bench.stats.js';

/** The peer three times: default settings (load, freshness, rename), a 50 ms poll (load, freshness), N = 2. */
export async function runFlink(
  ctx: BenchContext,
  dataset: Dataset,
  expected: Expected,
): Promise<CaseResult[]> {
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
        database: PEER_DATABASE,
        tag,
        publication: PEER_PUBLICATION,
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
            `  Flink CDC: category rename reached ${rename.updated}/${rename.products} products in ${rename.seconds === null ? '–' : round(rename.seconds, 2)} s`,
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
