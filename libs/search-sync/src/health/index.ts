// search-sync/health: a @nestjs/terminus health indicator, an optional peer. Only this entry imports
// terminus, so an application that does not use it does not need it installed.
export {
  checkSearchSync,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_MAX_LAG_SECONDS,
  type SearchSyncHealthSource,
} from './search-sync.health.js';
export { SearchSyncHealthIndicator } from './search-sync.health-indicator.js';
export type {
  DependencyHealth,
  RelatedHealth,
  SearchSyncHealth,
  SearchSyncHealthOptions,
  VersionHealth,
} from './search-sync-health.interface.js';
export { SearchSyncHealthModule } from './search-sync-health.module.js';
