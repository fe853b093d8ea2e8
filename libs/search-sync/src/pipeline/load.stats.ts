import type { LoadStats } from './pipeline.interface.js';

/** Stats of a load that sent nothing: where totals start. */
export const emptyLoadStats = (): LoadStats => ({
  requests: 0,
  bytes: 0,
  succeeded: 0,
  alreadyNewer: 0,
  alreadyDeleted: 0,
  retriedItems: 0,
  throttledItems: 0,
  rejected: 0,
});

/** The sum of two loads' stats, field by field. */
export function addLoadStats(total: LoadStats, more: LoadStats): LoadStats {
  const sum = { ...total };
  for (const key of Object.keys(sum) as (keyof LoadStats)[]) sum[key] += more[key];
  return sum;
}
