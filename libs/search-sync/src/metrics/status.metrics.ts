import { Gauge, type Registry } from 'prom-client';
import type { FamilyStatus } from '../nest/search-sync-status.interface.js';
import type { VersionState } from '../state/tables/version.table.js';
import type { VersionStatus } from '../sync/sync.interface.js';
import type { MetricNames } from './metric-name.util.js';

const STATES: readonly VersionState[] = ['created', 'backfilling', 'live', 'serving', 'retired'];

type VersionLabels = 'family' | 'version';

/** A gauge per version, set from that version's status. */
interface VersionGauge {
  readonly name: string;
  readonly help: string;
  /** The value, or null for no sample (a version not backfilling has no backfill progress). */
  readonly value: (version: VersionStatus) => number | null;
}

const VERSION_GAUGES: readonly VersionGauge[] = [
  {
    name: 'checkpoint_lag_seconds',
    help: "Seconds since the version's checkpoint last moved while changes wait for it; 0 when caught up.",
    value: (v) => v.lagSeconds,
  },
  {
    name: 'pending_changes',
    help: "Source changes after the version's checkpoint, whether or not the horizon lets them be read yet.",
    value: (v) => v.pendingChanges,
  },
  {
    name: 'dead_letters_open',
    help: 'Dead letters of the version not resolved yet (replay resolves them).',
    value: (v) => v.deadLetters,
  },
  {
    name: 'documents',
    help: "Documents in the version's index (no sample when OpenSearch could not tell).",
    value: (v) => v.documents,
  },
  {
    name: 'backfill_progress_ratio',
    help: 'Share of the source a version still backfilling has applied (0 to 1).',
    value: (v) => (v.backfill ? (v.backfill.total === 0 ? 1 : v.backfill.done / v.backfill.total) : null),
  },
  {
    name: 'backfill_eta_seconds',
    help: 'Estimated seconds until a backfill running in this process reaches the head.',
    value: (v) => v.backfill?.etaSeconds ?? null,
  },
];

/**
 * Registers the gauges read from `SearchSyncService.status()` when the registry is scraped (prom-client's
 * `collect()`): per version lag, pending changes, open dead letters, documents, backfill progress and
 * state, per family the changes waiting behind the horizon. One status read serves them all.
 */
export function registerStatusGauges(
  names: MetricNames,
  registers: readonly Registry[],
  snapshot: () => Promise<FamilyStatus[] | null>,
): void {
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    set: (gauge: Gauge<L>, status: FamilyStatus[]) => void,
  ) => {
    const created: Gauge<L> = new Gauge<L>({
      name: names.claim(name),
      help,
      labelNames,
      registers: [...registers],
      async collect() {
        const status = await snapshot();
        created.reset();
        if (status) set(created, status);
      },
    });
  };
  for (const { name, help, value } of VERSION_GAUGES) {
    gauge<VersionLabels>(name, help, ['family', 'version'], (g, status) => {
      for (const { family, versions } of status) {
        for (const version of versions) {
          const sample = value(version);
          if (sample !== null) g.set({ family, version: version.version }, sample);
        }
      }
    });
  }
  gauge(
    'version_state',
    'The lifecycle state of each version: 1 for its state, 0 for the others.',
    ['family', 'version', 'state'],
    (g, status) => {
      for (const { family, versions } of status) {
        for (const { version, state } of versions) {
          for (const s of STATES) g.set({ family, version, state: s }, s === state ? 1 : 0);
        }
      }
    },
  );
  gauge(
    'backfill_partitions',
    "A partitioned backfill's partitions by state (done, claimed, waiting), until they merge.",
    ['family', 'version', 'state'],
    (g, status) => {
      for (const { family, versions } of status) {
        for (const { version, backfill } of versions) {
          const partitions = backfill?.partitions;
          if (!partitions) continue;
          for (const state of ['done', 'claimed', 'waiting'] as const) {
            g.set({ family, version, state }, partitions[state]);
          }
        }
      }
    },
  );
  gauge(
    'horizon_changes_past',
    'Committed changes of transactions newer than the oldest one still open (runs read them without waiting for it).',
    ['family'],
    (g, status) => {
      for (const { family, horizon } of status) g.set({ family }, horizon.changesPastHorizon);
    },
  );
  gauge(
    'related_changes_waiting',
    "Related changes recorded and not yet fanned out to the family's rows (their documents are stale until then).",
    ['family'],
    (g, status) => {
      for (const { family, related } of status) g.set({ family }, related.waiting);
    },
  );
  gauge(
    'related_changes_oldest_seconds',
    'How long the oldest waiting related change has waited, in seconds (0 when none waits).',
    ['family'],
    (g, status) => {
      for (const { family, related } of status) g.set({ family }, related.oldestSeconds ?? 0);
    },
  );
  const up: Gauge = new Gauge({
    name: names.claim('status_up'),
    help: 'Whether the status behind the other search-sync gauges could be read at this scrape (1) or not (0).',
    registers: [...registers],
    async collect() {
      up.set((await snapshot()) ? 1 : 0);
    },
  });
}
