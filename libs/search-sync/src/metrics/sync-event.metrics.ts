import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SyncEvent } from '../events/sync-event.interface.js';
import type { MetricNames } from './metric-name.util.js';

export interface SyncEventMetricsOptions {
  readonly bulkDurationBuckets: readonly number[];
  readonly runDurationBuckets: readonly number[];
  /** The declared families, so that `lease_held` says 0 for each before its first run. */
  readonly families: () => readonly string[];
}

/** No HTTP status: the request got no answer (connection refused, timeout). */
const NO_STATUS = 'none';

/**
 * The counters and histograms fed by the library's events (see `SyncEvent`): what the families' work
 * did in this process, as it happened. Their names and labels are listed in docs/metrics-and-health.md.
 */
export class SyncEventMetrics {
  private readonly changes: Counter<'family' | 'version'>;
  private readonly operations: Counter<'family' | 'version' | 'action' | 'result'>;
  private readonly deadLetters: Counter<'family' | 'version' | 'error_type'>;
  private readonly bulkDuration: Histogram<'family' | 'status'>;
  private readonly retries: Counter<'family' | 'status'>;
  private readonly pushbacks: Counter<'family'>;
  private readonly throttleChanges: Counter<'family' | 'direction'>;
  private readonly runs: Counter<'family' | 'outcome'>;
  private readonly runDuration: Histogram<'family' | 'outcome'>;
  private readonly leaseHeld: Gauge<'family'>;

  constructor(names: MetricNames, registers: readonly Registry[], options: SyncEventMetricsOptions) {
    const common = { registers: [...registers] };
    this.changes = new Counter({
      ...common,
      name: names.claim('changes_applied_total'),
      help: 'Source changes applied to a version (committed with its checkpoint).',
      labelNames: ['family', 'version'],
    });
    this.operations = new Counter({
      ...common,
      name: names.claim('operations_total'),
      help: 'Document operations sent to OpenSearch, by how they ended (an operation retried counts once).',
      labelNames: ['family', 'version', 'action', 'result'],
    });
    this.deadLetters = new Counter({
      ...common,
      name: names.claim('dead_letters_total'),
      help: 'Dead letters recorded by runs (operations that failed for good), by error type.',
      labelNames: ['family', 'version', 'error_type'],
    });
    this.bulkDuration = new Histogram({
      ...common,
      name: names.claim('bulk_request_duration_seconds'),
      help: 'Duration of bulk requests, by HTTP status ("none" when no answer came).',
      labelNames: ['family', 'status'],
      buckets: [...options.bulkDurationBuckets],
    });
    this.retries = new Counter({
      ...common,
      name: names.claim('bulk_retries_total'),
      help: 'Bulk items sent again after a transient failure, by the HTTP status they failed with.',
      labelNames: ['family', 'status'],
    });
    this.pushbacks = new Counter({
      ...common,
      name: names.claim('bulk_pushback_items_total'),
      help: 'Bulk items the cluster pushed back (429) sent again once the loader slowed down: they cost no retry attempt.',
      labelNames: ['family'],
    });
    this.throttleChanges = new Counter({
      ...common,
      name: names.claim('bulk_throttle_changes_total'),
      help: 'Changes of the bulk pace (requests in flight, request size): down at a pushback, up as requests go through.',
      labelNames: ['family', 'direction'],
    });
    this.runs = new Counter({
      ...common,
      name: names.claim('runs_total'),
      help: 'Runs of a family in this process, by outcome (succeeded, stopped, failed, skipped).',
      labelNames: ['family', 'outcome'],
    });
    this.runDuration = new Histogram({
      ...common,
      name: names.claim('run_duration_seconds'),
      help: 'Duration of the runs of a family in this process, by outcome.',
      labelNames: ['family', 'outcome'],
      buckets: [...options.runDurationBuckets],
    });
    const leaseHeld: Gauge<'family'> = new Gauge({
      ...common,
      name: names.claim('lease_held'),
      help: "1 while this instance holds the family's lease (a run, or promote, replay...), else 0.",
      labelNames: ['family'],
      collect() {
        // Adds 0 for a family not seen yet; leaves the others as they are.
        for (const family of options.families()) leaseHeld.inc({ family }, 0);
      },
    });
    this.leaseHeld = leaseHeld;
  }

  readonly observe = (event: SyncEvent): void => {
    const { family } = event;
    switch (event.type) {
      case 'batch':
        for (const version of event.versions) this.changes.inc({ family, version }, event.changes);
        for (const { version, errorType } of event.deadLetters) {
          this.deadLetters.inc({ family, version, error_type: errorType });
        }
        return;
      case 'operations':
        for (const { version, action, result, count } of event.counts) {
          this.operations.inc({ family, version, action, result }, count);
        }
        return;
      case 'bulk-request':
        this.bulkDuration.observe({ family, status: event.status ?? NO_STATUS }, event.durationSeconds);
        return;
      case 'bulk-retry':
        this.retries.inc({ family, status: event.status ?? NO_STATUS }, event.items);
        return;
      case 'bulk-pushback':
        this.pushbacks.inc({ family }, event.items);
        return;
      case 'bulk-throttle':
        this.throttleChanges.inc({ family, direction: event.direction });
        return;
      case 'run':
        this.runs.inc({ family, outcome: event.outcome });
        this.runDuration.observe({ family, outcome: event.outcome }, event.durationSeconds);
        return;
      case 'lease':
        this.leaseHeld.set({ family }, event.held ? 1 : 0);
        return;
    }
  };
}
