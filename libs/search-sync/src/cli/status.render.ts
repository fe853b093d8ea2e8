import type { FamilyStatus } from '../nest/search-sync-status.interface.js';
import type { VersionStatus } from '../sync/sync.interface.js';
import { cell, formatSeconds, renderTable } from './table.render.js';

const HEADERS = [
  'version',
  'index',
  'state',
  'checkpoint',
  'pending',
  'lag',
  'documents',
  'dead letters',
  'backfill',
];

function documents(v: VersionStatus): string {
  if (v.documents === null) return 'unknown';
  const expected = v.expectedDocuments;
  if (!expected || expected.matches) return String(v.documents);
  return `${v.documents} (expected ${expected.min === expected.max ? expected.min : `${expected.min}-${expected.max}`})`;
}

function backfill(v: VersionStatus): string {
  if (!v.backfill) return '';
  const { done, total, etaSeconds, partitions: p } = v.backfill;
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const parts = p
    ? `, partitions ${p.done}/${p.total} done, ${p.claimed} claimed by ${p.instances.filter((i) => i.claimed > 0).length} instances`
    : '';
  return `${percent}% (${done}/${total}${etaSeconds === null ? '' : `, ETA ${formatSeconds(etaSeconds)}`}${parts})`;
}

function alias(status: FamilyStatus): string {
  if (!status.alias) return `alias ${status.family}: unknown (OpenSearch did not tell)`;
  const { indexes, matches, serving } = status.alias;
  const target = indexes.join(', ') || 'nothing';
  return matches
    ? `alias ${status.family} -> ${target}`
    : `alias ${status.family} -> ${target}, but the state records ${serving?.index ?? 'no version'} as serving`;
}

function lastRun(status: FamilyStatus): string {
  const run = status.lastRun;
  if (!run) return 'no run yet';
  const at = (run.finishedAt ?? run.startedAt).toISOString();
  return `last run ${run.outcome} at ${at} (${run.changes} changes, ${run.deadLetters} dead letters)${run.error ? `: ${run.error}` : ''}`;
}

/** What waits to re-index the family's documents, and what it opted out of (no line when neither). */
function related(status: FamilyStatus): string[] {
  const { waiting, oldestSeconds, optedOut } = status.related;
  return [
    ...(waiting > 0
      ? [`related changes waiting: ${waiting}, the oldest for ${formatSeconds(oldestSeconds ?? 0)}`]
      : []),
    ...(optedOut.length > 0
      ? [
          `opted out of ${optedOut.join(', ')}: their changes re-index nothing (reconcile --content finds the drift)`,
        ]
      : []),
  ];
}

/** `status` as people read it: per family a heading line, then a table of its versions. */
export function renderStatus(families: readonly FamilyStatus[]): string {
  return families
    .map((status) => {
      const heading = `${status.family} (${status.className}) · ${alias(status)} · ${lastRun(status)}${status.running ? ' · running' : ''}`;
      const rows = status.versions.map((v) => [
        String(v.version),
        v.index,
        v.state,
        v.checkpoint ? String(v.checkpoint.changeKey) : '-',
        String(v.pendingChanges),
        formatSeconds(v.lagSeconds),
        documents(v),
        String(v.deadLetters),
        backfill(v),
      ]);
      const holder = status.horizon.holder;
      const horizon = holder
        ? [
            `horizon held by pid ${holder.pid}${holder.database === null ? '' : ` in database "${holder.database}"`} ` +
              `(${holder.state}, since ${holder.since.toISOString()}): ${cell(holder.query)}`,
          ]
        : [];
      return [heading, renderTable(HEADERS, rows), ...related(status), ...horizon].join('\n');
    })
    .join('\n\n');
}
