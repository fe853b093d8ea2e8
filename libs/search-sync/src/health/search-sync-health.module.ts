import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SearchSyncHealthIndicator } from './search-sync.health-indicator.js';

/**
 * Provides `SearchSyncHealthIndicator` to the application's health checks: import it beside
 * `TerminusModule` in the module of the health controller. (Listing the indicator among that module's
 * providers works as well, as with any terminus indicator.)
 */
@Module({
  imports: [TerminusModule],
  providers: [SearchSyncHealthIndicator],
  exports: [SearchSyncHealthIndicator],
})
export class SearchSyncHealthModule {}
