import { type DynamicModule, Module } from '@nestjs/common';
import { SearchSyncMetricsBinder } from './search-sync-metrics.binder.js';
import {
  ConfigurableMetricsModuleClass,
  type METRICS_OPTIONS_TYPE,
} from './search-sync-metrics.module-definition.js';

/**
 * `SearchSyncMetricsModule.forRoot({ registry?, prefix? })` beside `SearchSyncModule`: the library's
 * Prometheus metrics in the application's prom-client registry (prom-client's global `register` by
 * default, which `@willsoto/nestjs-prometheus` serves). It serves no endpoint of its own.
 */
@Module({ providers: [SearchSyncMetricsBinder] })
export class SearchSyncMetricsModule extends ConfigurableMetricsModuleClass {
  /** Every option has a default: `forRoot()` alone puts the metrics in prom-client's global registry. */
  static override forRoot(options: typeof METRICS_OPTIONS_TYPE = {}): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: the generated forRoot builds the module it is called on.
    return super.forRoot(options);
  }
}
