import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SearchSyncMetricsOptions } from './search-sync-metrics-options.interface.js';

export const {
  ConfigurableModuleClass: ConfigurableMetricsModuleClass,
  MODULE_OPTIONS_TOKEN: SEARCH_SYNC_METRICS_OPTIONS,
  OPTIONS_TYPE: METRICS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: METRICS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SearchSyncMetricsOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSearchSyncMetricsOptions')
  .build();
