import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { SEARCH_SYNC_COMMAND_MODE, SEARCH_SYNC_CONTEXT } from './search-sync.constants.js';
import { createSearchSyncContext } from './search-sync.context.js';
import { SearchSyncExplorer } from './search-sync.explorer.js';
import { ConfigurableModuleClass, SEARCH_SYNC_MODULE_OPTIONS } from './search-sync.module-definition.js';
import { SearchSyncRegistry } from './search-sync.registry.js';
import { SearchSyncScheduler } from './search-sync.scheduler.js';
import { SearchSyncService } from './search-sync.service.js';
import { SearchSyncTrigger } from './search-sync.trigger.js';
import { SearchSyncWaker } from './search-sync.waker.js';

/**
 * `SearchSyncModule.forRoot({ database, opensearch, ... })` or `forRootAsync({ useFactory, inject })`:
 * discovers `@SearchIndex` providers anywhere in the application and exports `SearchSyncService`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: SEARCH_SYNC_CONTEXT,
      useFactory: createSearchSyncContext,
      inject: [SEARCH_SYNC_MODULE_OPTIONS, { token: SEARCH_SYNC_COMMAND_MODE, optional: true }],
    },
    SearchSyncRegistry,
    SearchSyncExplorer,
    SearchSyncTrigger,
    SearchSyncScheduler,
    SearchSyncWaker,
    SearchSyncService,
  ],
  exports: [SearchSyncService],
})
export class SearchSyncModule extends ConfigurableModuleClass {}
