import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { SearchSyncModuleMissingError } from '../errors/module-missing.error.js';
import { SEARCH_SYNC_CONTEXT } from '../nest/search-sync.constants.js';
import type { SearchSyncContext } from '../nest/search-sync.context.js';
import { SearchSyncService } from '../nest/search-sync.service.js';
import { checkSearchSync } from './search-sync.health.js';
import type { SearchSyncHealthOptions } from './search-sync-health.interface.js';

/**
 * A `@nestjs/terminus` health indicator: down when PostgreSQL or OpenSearch cannot be reached, or a
 * live or serving version lags past `maxLagSeconds`; the detail lists the versions with their lag and
 * says what is wrong, naming the family and version.
 *
 * ```ts
 * this.health.check([() => this.searchSync.isHealthy('search-sync', { maxLagSeconds: 120 })]);
 * ```
 */
@Injectable()
export class SearchSyncHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  async isHealthy<const Key extends string>(
    key: Key,
    options: SearchSyncHealthOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const { context, service } = this.searchSync();
    const health = await checkSearchSync(
      {
        db: context.db,
        client: context.client,
        status: async (families) =>
          families
            ? (await Promise.all(families.map((family) => service.status(family)))).flat()
            : service.status(),
      },
      options,
    );
    const { postgresql, opensearch, versions, problems } = health;
    const indicator = this.indicators.check(key);
    return health.healthy
      ? indicator.up({ postgresql, opensearch, versions })
      : indicator.down({ postgresql, opensearch, versions, problems, message: problems.join(' ') });
  }

  /** The application's search-sync module, wherever it is imported (as terminus finds a TypeORM connection). */
  private searchSync(): { context: SearchSyncContext; service: SearchSyncService } {
    try {
      return {
        context: this.moduleRef.get<SearchSyncContext>(SEARCH_SYNC_CONTEXT, { strict: false }),
        service: this.moduleRef.get(SearchSyncService, { strict: false }),
      };
    } catch (error) {
      throw new SearchSyncModuleMissingError('SearchSyncHealthIndicator', { cause: error });
    }
  }
}
