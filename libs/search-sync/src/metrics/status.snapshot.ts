import type { FamilyStatus } from '../nest/search-sync-status.interface.js';

/**
 * The families' status for the gauges of one scrape: read once however many gauges ask (a registry
 * collects its metrics at the same time), reused for `maxAgeMs`, and null when it could not be read.
 */
export class StatusSnapshot {
  private last: {
    readonly at: number;
    readonly value: Promise<FamilyStatus[] | null>;
    settled: boolean;
  } | null = null;

  constructor(
    private readonly read: () => Promise<FamilyStatus[]>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<FamilyStatus[] | null> {
    const { last } = this;
    if (last && (!last.settled || this.now() - last.at < this.maxAgeMs)) return last.value;
    const current = {
      at: this.now(),
      settled: false,
      value: this.read().then(
        (status) => status,
        () => null,
      ),
    };
    void current.value.then(() => {
      current.settled = true;
    });
    this.last = current;
    return current.value;
  }
}
