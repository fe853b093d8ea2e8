import type { BenchContext, CaseResult } from './bench.case.js';
import { runChild } from './bench.child.js';
import { type Dataset, deleteBenchIndexes } from './bench.environment.js';
import { familyName } from './bench.families.js';
import { activeProductIds, measureFreshness, measureRename } from './bench.live.js';
import { startLiveSync } from './bench.ours-live.js';
import { type Expected, freshnessResult, OURS, perThousand, renameResult } from './bench.peer-results.js';
import { round } from './bench.stats.js';

/** Ours: each load in a process of its own (CPU and peak RSS its own), then live mode per setting. */
export async function runOurs(
  ctx: BenchContext,
  dataset: Dataset,
  expected: Expected,
): Promise<CaseResult[]> {
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
    { everyMs: settings.schedulesMs[0], wakeOnCommit: true, refresh: 'after-run' as const },
  ];
  for (const [i, setting] of live.entries()) {
    const refreshed = 'refresh' in setting ? ', refresh after run' : '';
    const label = `${setting.wakeOnCommit ? 'wake on commit, ' : ''}schedule ${setting.everyMs} ms${refreshed}`;
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
          `  search-sync, ${label}: category rename reached ${rename.updated}/${rename.products} products in ${rename.seconds === null ? '–' : round(rename.seconds, 2)} s`,
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
