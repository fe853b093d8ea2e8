import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { Client } from '@opensearch-project/opensearch';
import { SearchSyncModule } from 'search-sync';
import { CategoriesIndex } from './catalog/categories.index.js';
import { ProductsIndex } from './catalog/products.index.js';
import { type CatalogDatabase, DatabaseModule, DRIZZLE } from './database/database.module.js';

export interface AppOptions {
  readonly databaseUrl: string;
  /** Pool size; 1 for a database that serves a single connection (PGlite). Default DatabaseModule's. */
  readonly databaseMaxConnections?: number;
  readonly opensearch: Client;
  /** False for one-shot CLI runs and API-only instances. */
  readonly runSchedules: boolean;
  readonly instanceName?: string;
  /** The products family as this deployment declares it; the demo boots v1 alone before adding v2. */
  readonly productsIndex?: Type<unknown>;
  /** Indexes made by another database's state that this deployment may take over (SEARCH_SYNC_ADOPT). */
  readonly adopt?: readonly string[];
}

/** The demo host application: a product catalog whose search indexes search-sync keeps in sync. */
@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(options.databaseUrl, { max: options.databaseMaxConnections }),
        SearchSyncModule.forRootAsync({
          inject: [DRIZZLE],
          useFactory: (database: CatalogDatabase) => ({
            database,
            opensearch: options.opensearch,
            runSchedules: options.runSchedules,
            instanceName: options.instanceName,
            adopt: options.adopt,
          }),
        }),
      ],
      providers: [options.productsIndex ?? ProductsIndex, CategoriesIndex],
    };
  }
}
