// src/app.module.ts
import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { SearchSyncModule } from 'search-sync';
import { BooksIndex } from './books.index.js';
import type * as schema from './books.schema.js';

@Module({})
export class AppModule {
  /** The application owns its database and passes search-sync the Drizzle handle, typed by its schema. */
  static forRoot(database: PgDatabase<PgQueryResultHKT, typeof schema>): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ScheduleModule.forRoot(),
        SearchSyncModule.forRoot({
          database,
          opensearch: { node: process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200' },
        }),
      ],
      providers: [BooksIndex],
    };
  }
}
