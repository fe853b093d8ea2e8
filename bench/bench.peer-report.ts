import type { CaseResult, ResultTable } from './bench.case.js';
import { formatNumber } from './bench.format.js';

const cell = (value: unknown, digits = 0) =>
  value === null || value === undefined ? '–' : formatNumber(value as number, digits);

/** The peer case's tables: load side by side, then freshness and the rename per setting. */
export function peerTables(results: readonly CaseResult[]): ResultTable[] {
  const skipped = results.find((r) => r.status === 'skipped');
  if (skipped) {
    return [{ title: 'Peer: skipped', headers: ['reason'], rows: [[String(skipped.reason)]] }];
  }
  const of = (measure: string) => results.filter((r) => r.measure === measure);
  return [
    {
      title: 'Peer: initial load, Flink CDC vs search-sync (same rows, same node, one after the other)',
      headers: [
        'system',
        'setting',
        'versions',
        'documents',
        'docs/s (complete)',
        'docs/s (count reached)',
        'load s',
        'start-up s',
        'CPU ms / 1k docs',
        'incl. start-up',
        'OpenSearch CPU ms / 1k docs',
        'peak RSS MB',
      ],
      rows: of('load').map((r) => [
        String(r.system),
        String(r.setting),
        r.versions as number,
        cell(r.documents),
        cell(r.docsPerSec),
        cell(r.docsPerSecCount),
        cell(r.seconds, 2),
        cell(r.startupSeconds, 1),
        cell(r.cpuMsPer1kDocs),
        cell(r.totalCpuMsPer1kDocs),
        cell(r.openSearchCpuMsPer1kDocs),
        cell(r.peakRssMb),
      ]),
      note:
        'Flink CDC: time from the first document searchable (searched every 250 ms) until every document is ' +
        'there with its category and tags ("complete") or until the count is reached; its CPU is the JVM\'s ' +
        '(/proc/<pid>/stat) over that window, "incl. start-up" from the JVM\'s start. search-sync: ' +
        '`FamilySync.run()` in a process of its own (process.cpuUsage() over the run; documents are written ' +
        'whole, so count and complete coincide). Peak RSS: VmHWM of the JVM, maxRSS of the node process. ' +
        "OpenSearch CPU: the node's, from before the start to the end.",
    },
    {
      title: 'Peer: freshness of updates (a new SKU per write), first seen by a search − commit',
      headers: ['system', 'setting', 'seen / written', 'p50 ms', 'p95 ms', 'max ms'],
      rows: of('freshness').map((r) => [
        String(r.system),
        String(r.setting),
        `${r.seen} / ${r.writes}`,
        cell(r.freshnessMsP50),
        cell(r.freshnessMsP95),
        cell(r.freshnessMsMax),
      ]),
    },
    {
      title: 'Peer: one category renamed, until every active product of it shows the new name',
      headers: ['system', 'setting', 'products', 'updated', 'seconds'],
      rows: of('rename').map((r) => [
        String(r.system),
        String(r.setting),
        cell(r.products),
        cell(r.updated),
        cell(r.seconds, 2),
      ]),
    },
  ];
}
