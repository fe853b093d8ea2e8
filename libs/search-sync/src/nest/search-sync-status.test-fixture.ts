import type { VersionStatus } from '../sync/sync.interface.js';
import type { FamilyStatus } from './search-sync-status.interface.js';

/** A serving, caught-up version's status, for specs of what reads status (metrics, health). */
export const versionStatus = (overrides: Partial<VersionStatus> = {}): VersionStatus => ({
  version: 1,
  index: 'products_v1',
  state: 'serving',
  checkpoint: null,
  pendingChanges: 0,
  lagSeconds: 0,
  documents: 10,
  deadLetters: 0,
  backfill: null,
  expectedDocuments: null,
  ...overrides,
});

/** A family's status around the given versions, its alias on v1. */
export const familyStatus = (
  family: string,
  versions: VersionStatus[],
  overrides: Partial<FamilyStatus> = {},
): FamilyStatus => ({
  family,
  className: 'Index',
  schedule: null,
  running: false,
  versions,
  lastRun: null,
  alias: {
    alias: family,
    indexes: ['products_v1'],
    serving: { version: 1, index: 'products_v1' },
    matches: true,
  },
  clusterError: null,
  horizon: { horizon: 1, changesPastHorizon: 0, holder: null },
  related: { waiting: 0, oldestSeconds: null, tracked: [], optedOut: [] },
  ...overrides,
});
