import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SearchSyncModuleMissingError } from '../errors/module-missing.error.js';
import { SearchSyncService } from '../nest/search-sync.service.js';
import { createSearchSyncMetrics, type SearchSyncMetrics } from './search-sync.metrics.js';
import { SEARCH_SYNC_METRICS_OPTIONS } from './search-sync-metrics.module-definition.js';
import type { SearchSyncMetricsOptions } from './search-sync-metrics-options.interface.js';

/**
 * Wires the metrics to the application's `SearchSyncService`, wherever its module is imported (found
 * across modules, as terminus finds a TypeORM connection): registers them at init, subscribes them to
 * its events, and takes them out of the registry at shutdown.
 */
@Injectable()
export class SearchSyncMetricsBinder implements OnModuleInit, OnModuleDestroy {
  private metrics?: SearchSyncMetrics;
  private unsubscribe?: () => void;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(SEARCH_SYNC_METRICS_OPTIONS) private readonly options: SearchSyncMetricsOptions,
  ) {}

  onModuleInit(): void {
    const service = this.service();
    this.metrics = createSearchSyncMetrics(
      { status: () => service.status(), families: () => service.families() },
      this.options,
    );
    this.unsubscribe = service.observe(this.metrics.observe);
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.metrics?.remove();
  }

  private service(): SearchSyncService {
    try {
      return this.moduleRef.get(SearchSyncService, { strict: false });
    } catch (error) {
      throw new SearchSyncModuleMissingError('SearchSyncMetricsModule', { cause: error });
    }
  }
}
