import type { VersionTarget } from '../pipeline/pipeline.interface.js';
import type { FamilyContext } from './family.context.js';
import type { GroupReport } from './sync.interface.js';

/**
 * With `refresh: 'after-run'` (the family's, or the options' for a family that does not say), the indexes of a caught-up group that wrote anything are refreshed before
 * the run returns, so its writes are searchable then rather than at the next periodic refresh. A
 * failure fails the run like a failed bulk: the writes are in, only their visibility waits.
 */
export async function refreshAfterRun(
  family: FamilyContext,
  targets: readonly VersionTarget<unknown>[],
  report: GroupReport,
): Promise<void> {
  const refresh = family.definition.refresh ?? family.options.refresh;
  if (refresh !== 'after-run' || report.operations === 0) return;
  await family.client.indices.refresh({ index: targets.map((t) => t.index).join(',') });
}
