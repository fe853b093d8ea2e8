import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import type { Client } from '@opensearch-project/opensearch';
import {
  type FamilyRefresh,
  SearchIndex,
  SearchSyncModule,
  SearchSyncService,
  type SyncDatabase,
} from 'search-sync';
import type { ProductDto, ProductRow } from '../src/catalog/products.family.js';
import { ProductsIndex, productsIndexOptions } from '../src/catalog/products.index.js';

export interface SyncAppOptions {
  readonly db: SyncDatabase;
  readonly client: Client;
  /** The products family's name (also its alias): a fresh one per measurement. */
  readonly family: string;
  readonly scheduleMs: number;
  readonly wakeOnCommit: boolean;
  /** The family's `refresh` (the index's own interval when absent). */
  readonly refresh?: FamilyRefresh;
}

/**
 * The demo's products family (v1 and v2, category and tags embedded) in a Nest application context, as
 * an application runs it: the module's schedule, and LISTEN/NOTIFY when `wakeOnCommit` is on. The cases
 * that measure what a user sees (freshness, related rows) go through this path, not FamilySync alone.
 */
export async function startSyncApp(options: SyncAppOptions) {
  @SearchIndex<ProductRow, ProductDto>(options.family, {
    ...productsIndexOptions,
    schedule: { every: options.scheduleMs },
    wakeOnCommit: options.wakeOnCommit,
    refresh: options.refresh,
  })
  @Injectable()
  class BenchProductsIndex extends ProductsIndex {}

  @Module({
    imports: [
      ScheduleModule.forRoot(),
      SearchSyncModule.forRoot({ database: options.db, opensearch: options.client }),
    ],
    providers: [BenchProductsIndex],
  })
  class BenchSyncModule {}

  const app = await NestFactory.createApplicationContext(BenchSyncModule, { logger: ['error', 'warn'] });
  return { app, service: app.get(SearchSyncService) };
}
