import type { VersionState } from '../state/tables/version.table.js';

export interface CursorGroups<T> {
  /** Caught-up versions (live or serving): one read, from the lowest of their checkpoints. */
  readonly live: readonly T[];
  /** Versions still catching up (created or backfilling): their own read, so the live ones stay fresh. */
  readonly backfill: readonly T[];
}

/**
 * At most two reads per cycle, whatever the number of versions: the versions that are caught up share
 * one, the versions catching up share the other; retired versions are not read at all. A backfill that
 * reaches the head becomes live, and the two groups merge.
 */
export function cursorGroups<T extends { readonly state: VersionState }>(
  versions: readonly T[],
): CursorGroups<T> {
  return {
    live: versions.filter((v) => v.state === 'live' || v.state === 'serving'),
    backfill: versions.filter((v) => v.state === 'created' || v.state === 'backfilling'),
  };
}
