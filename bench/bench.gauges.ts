import type { Client } from '@opensearch-project/opensearch';
import type { Loader } from 'search-sync';

/**
 * Tracks when bulk work is in flight across every loader it wraps: the share of wall time with no loader
 * call running is time the sync spent reading, transforming or committing while OpenSearch sat idle.
 */
export class LoadTracker {
  private inFlight = 0;
  private started = 0;
  private idleSince = 0;
  private idleMs = 0;
  /** When the first loader call began and the last one ended, and the idle time before that first one. */
  private firstCall: number | null = null;
  private lastEnd = 0;
  private idleBeforeFirstMs = 0;

  readonly wrap = (loader: Loader): Loader => {
    return async (operations) => {
      const now = performance.now();
      if (this.inFlight++ === 0) this.idleMs += now - this.idleSince;
      if (this.firstCall === null) {
        this.firstCall = now;
        this.idleBeforeFirstMs = this.idleMs;
      }
      try {
        return await loader(operations);
      } finally {
        if (--this.inFlight === 0) {
          this.idleSince = performance.now();
          this.lastEnd = this.idleSince;
        }
      }
    };
  };

  start(): void {
    this.started = performance.now();
    this.idleSince = this.started;
    this.idleMs = 0;
    this.firstCall = null;
    this.lastEnd = 0;
    this.idleBeforeFirstMs = 0;
  }

  starvedShare(): number {
    const now = performance.now();
    const idle = this.idleMs + (this.inFlight === 0 ? now - this.idleSince : 0);
    return idle / (now - this.started);
  }

  /**
   * The same between the first loader call's start and the last one's end: without the run's fixed
   * start (checkpoints, horizon, the first batch) and end (a version going live: settings restored, a
   * refresh, the alias), only what the pipeline itself leaves idle.
   */
  /** From the first loader call's start to the last one's end, in ms. */
  loadingMs(): number {
    return this.firstCall === null ? Number.NaN : this.lastEnd - this.firstCall;
  }

  starvedShareWhileLoading(): number {
    if (this.firstCall === null || this.inFlight > 0 || this.lastEnd <= this.firstCall) return Number.NaN;
    const idle = this.idleMs - this.idleBeforeFirstMs;
    return idle / (this.lastEnd - this.firstCall);
  }
}

/**
 * Time-averaged number of bulk requests in flight on a client: 2.0 means the node always had two
 * requests to work on (what the raw baseline does by construction with concurrency 2). Listens once
 * per client, for the whole run (the client has no way to remove a listener); `reset` starts a window.
 */
export class BulkGauge {
  private inFlight = 0;
  private started = 0;
  private since = 0;
  private area = 0;

  constructor(client: Client) {
    const isBulk = (meta: { meta?: { request?: { params?: { path?: string } } } } | null) =>
      meta?.meta?.request?.params?.path?.endsWith('/_bulk') === true;
    client.on('request', (_error, meta) => {
      if (isBulk(meta)) this.move(1);
    });
    client.on('response', (_error, meta) => {
      if (isBulk(meta)) this.move(-1);
    });
  }

  reset(): void {
    this.started = performance.now();
    this.since = this.started;
    this.area = 0;
  }

  mean(): number {
    this.move(0);
    return this.area / (this.since - this.started);
  }

  private move(delta: number): void {
    const now = performance.now();
    this.area += this.inFlight * (now - this.since);
    this.since = now;
    this.inFlight = Math.max(0, this.inFlight + delta);
  }
}
