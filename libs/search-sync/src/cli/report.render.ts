import type { DeadLetter } from '../dead-letters/dead-letter.interface.js';
import type { ReconcileReport } from '../reconcile/reconcile.interface.js';
import type { SyncResult } from '../sync/family.runner.js';
import type { ReplayReport } from '../sync/sync.interface.js';
import { renderTable } from './table.render.js';

/** One line per family run: what it did, or who holds the family. */
export function renderSync(family: string, result: SyncResult): string {
  if (result.outcome === 'skipped') return `${family}: skipped (${result.reason})`;
  const r = result.report;
  return (
    `${family}: ${r.changes} changes in ${r.batches} batches, ${r.operations} operations, ` +
    `${r.deadLetters} dead letters, versions ${r.versions.join(', ') || 'none'} (${r.durationMs} ms)`
  );
}

export function renderReconcile(family: string, reports: readonly ReconcileReport[]): string {
  if (reports.length === 0) return `${family}: no live or serving version to reconcile`;
  // Content reconcile says how many documents it compared one by one.
  const content = reports.some((r) => r.compared !== undefined);
  return renderTable(
    [
      'version',
      'index',
      'ranges',
      ...(content ? ['compared'] : []),
      'missing',
      'stale',
      'orphans',
      'repaired',
      'failed',
    ],
    reports.map((r) =>
      [
        r.version,
        r.index,
        r.rangesCompared,
        ...(content ? [r.compared ?? 0] : []),
        r.missing,
        r.stale,
        r.orphans,
        r.repaired,
        r.failed,
      ].map(String),
    ),
  );
}

/** Whether reconcile found documents that differed from the source. */
export const reconcileDiffered = (reports: readonly ReconcileReport[]) =>
  reports.some((r) => r.missing + r.stale + r.orphans + r.failed > 0);

export function renderDeadLetters(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters';
  return renderTable(
    [
      'id',
      'version',
      'document',
      'operation',
      'error',
      'status',
      'attempts',
      'last failed',
      'resolved',
      'reason',
    ],
    letters.map((l) => [
      String(l.id),
      String(l.version),
      l.documentId,
      l.operation,
      l.errorType,
      l.statusCode === null ? '-' : String(l.statusCode),
      String(l.attempts),
      l.lastFailedAt.toISOString(),
      l.resolvedAt ? l.resolvedAt.toISOString() : '-',
      l.reason.replace(/\s+/g, ' '),
    ]),
  );
}

export const renderReplay = (family: string, r: ReplayReport) =>
  `${family}: replayed ${r.replayed} dead letters, ${r.resolved} resolved, ${r.failed} still failing`;
