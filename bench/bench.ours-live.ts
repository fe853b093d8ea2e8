import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamicModule, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import type { Client } from '@opensearch-project/opensearch';
import {
  type FamilyRefresh,
  IndexVersion,
  SearchIndex,
  SearchSyncModule,
  SearchSyncService,
} from 'search-sync';
import type { ProductDto, ProductRow, ProductV2 } from '../src/catalog/products.family.js';
import { productsV2 } from '../src/catalog/products.family.js';
import { productsIndexOptions } from '../src/catalog/products.index.js';
import type { CatalogDatabase } from './bench.environment.js';

export interface LiveSettings {
  /** The family's `schedule: { every }`. */
  readonly everyMs: number;
  /** The family's `wakeOnCommit`: run as soon as a change to products commits. */
  readonly wakeOnCommit: boolean;
  /** The family's `refresh` (the index's own interval when absent). */
  readonly refresh?: FamilyRefresh;
}

/** The products family in the v2 shape alone, declared as an application would, with these settings. */
function liveProductsIndex(name: string, settings: LiveSettings) {
  @SearchIndex<ProductRow, ProductDto>(name, {
    ...productsIndexOptions,
    schedule: { every: settings.everyMs },
    wakeOnCommit: settings.wakeOnCommit,
    refresh: settings.refresh,
  })
  @Injectable()
  class LiveProductsIndex {
    @IndexVersion<ProductDto, ProductV2>(2, {
      mappings: productsV2.mappings,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      filter: productsV2.filter,
    })
    v2(product: ProductDto): ProductV2 {
      return productsV2.transform(product);
    }
  }
  return LiveProductsIndex;
}

@Module({})
class LiveModule {
  static forRoot(db: CatalogDatabase, client: Client, provider: new () => unknown): DynamicModule {
    return {
      module: LiveModule,
      imports: [ScheduleModule.forRoot(), SearchSyncModule.forRoot({ database: db, opensearch: client })],
      providers: [provider],
    };
  }
}

export interface LiveSync {
  /** The alias: the serving index. */
  readonly alias: string;
  close(): Promise<void>;
}

/**
 * Our sync in live mode, as an application runs it: SearchSyncModule with one family on its schedule
 * (and woken on commit if asked), in a Nest application context. Resolves once the family has loaded
 * every row and `expected` documents are searchable through the alias.
 */
export async function startLiveSync(
  db: CatalogDatabase,
  client: Client,
  family: string,
  settings: LiveSettings,
  expected: number,
): Promise<LiveSync> {
  const app = await NestFactory.createApplicationContext(
    LiveModule.forRoot(db, client, liveProductsIndex(family, settings)),
    { logger: ['error', 'warn'] },
  );
  try {
    await app.init();
    const service = app.get(SearchSyncService);
    // The schedule may hold the family's lease: then this run is skipped and the next one tries again.
    for (;;) {
      const result = await service.sync(family);
      if (result.outcome === 'completed') break;
      await sleep(200);
    }
    for (;;) {
      const { body } = await client.count({ index: family });
      if (body.count >= expected) break;
      await sleep(200);
    }
    return { alias: family, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}
