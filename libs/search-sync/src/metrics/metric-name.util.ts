import type { Registry } from 'prom-client';
import { MetricRegisteredError } from '../errors/metric-registered.error.js';

/**
 * Names of the library's metrics in one registry: each is checked free before it is registered (a
 * clear error rather than prom-client's), and all can be taken out again at shutdown.
 */
export class MetricNames {
  private readonly names: string[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly prefix: string,
  ) {}

  claim(name: string): string {
    const full = `${this.prefix}${name}`;
    if (this.registry.getSingleMetric(full)) throw new MetricRegisteredError(full);
    this.names.push(full);
    return full;
  }

  removeAll(): void {
    for (const name of this.names.splice(0)) this.registry.removeSingleMetric(name);
  }
}
