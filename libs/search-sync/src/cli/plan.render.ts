import type { DefinitionChange, PlannedSide, VersionPlanReport } from '../plan/plan.interface.js';
import { cell, formatSeconds, renderTable } from './table.render.js';

const SIGNS = { added: '+', removed: '-', changed: '~' } as const;

function changes(title: string, list: readonly DefinitionChange[]): string[] {
  if (list.length === 0) return [`${title}: no difference`];
  return [
    `${title}:`,
    ...list.map(
      (c) =>
        `  ${SIGNS[c.change]} ${c.path}` +
        (c.change === 'changed'
          ? `: ${cell(c.before)} -> ${cell(c.after)}`
          : `: ${cell(c.after ?? c.before)}`),
    ),
  ];
}

function side(value: PlannedSide | null): string {
  if (value === null) return '-';
  if (value.kind === 'document') return cell(value.document);
  return value.kind === 'left-out' ? '(left out: a delete)' : `(error: ${value.reason})`;
}

/** `plan` as people read it: the diff, the counts, the samples side by side, the rejects, the estimate. */
export function renderPlan(plan: VersionPlanReport): string {
  const against = plan.serving
    ? `version ${plan.serving.version} (${plan.serving.index})`
    : 'nothing (no version serves)';
  const { rows, documents, leftOut } = plan.documents;
  const { estimate, trial } = plan;
  return [
    `Plan for ${plan.family} version ${plan.version} (${plan.index}, ${plan.state ?? 'not created yet'}) against ${against}`,
    '',
    ...changes('Mappings', plan.mappings),
    ...changes('Settings', plan.settings),
    '',
    `Documents: ${documents} of ${rows} rows (${leftOut} left out by its filter or the soft delete)`,
    '',
    'Samples (serving | planned):',
    renderTable(
      ['id', `serving${plan.serving ? ` v${plan.serving.version}` : ''}`, `planned v${plan.version}`],
      plan.samples.map((s) => [s.documentId, side(s.serving), side(s.planned)]),
    ),
    '',
    trial.rejected.length === 0
      ? `Rejected: none of ${trial.sampled} sampled documents`
      : `Rejected: ${trial.rejected.length} of ${trial.sampled} sampled documents`,
    ...trial.rejected.map((r) => `  ${r.documentId}: ${r.errorType}: ${r.reason}`),
    '',
    `Backfill estimate: ${formatSeconds(estimate.seconds)} at ${estimate.rowsPerSecond} rows/s (${estimate.basis})`,
  ].join('\n');
}
