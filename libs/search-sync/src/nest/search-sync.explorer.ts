import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { IndexVersionMetadata } from '../decorators/index-version.decorator.js';
import type { SearchIndexMetadata } from '../decorators/search-index.decorator.js';
import { SearchSyncBootstrapError } from '../errors/bootstrap.error.js';
import { serviceFailure } from '../errors/service-failure.util.js';
import type { FamilyDefinition, VersionDefinition } from '../family/family.definition.js';
import { INDEX_VERSION_METADATA, SEARCH_INDEX_METADATA } from '../search-sync.constants.js';
import { FamilyRunner } from '../sync/family.runner.js';
import { FamilySync } from '../sync/family.sync.js';
import { SEARCH_SYNC_CONTEXT } from './search-sync.constants.js';
import type { SearchSyncContext } from './search-sync.context.js';
import { SearchSyncRegistry } from './search-sync.registry.js';

/**
 * Finds `@SearchIndex` providers and their `@IndexVersion` methods at bootstrap, builds each family's
 * pipeline, and checks it can run (state tables, change capture, definition hashes, indexes): a family
 * that cannot run fails bootstrap with a message naming its class.
 */
@Injectable()
export class SearchSyncExplorer implements OnModuleInit {
  private readonly logger = new Logger('SearchSync');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: SearchSyncRegistry,
    @Inject(SEARCH_SYNC_CONTEXT) private readonly context: SearchSyncContext,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const metadata = this.reflector.get<SearchIndexMetadata | undefined>(SEARCH_INDEX_METADATA, metatype);
      if (!metadata) continue;
      const className = metatype.name;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(
          `${className} is request-scoped: search index families must be singletons; it is ignored.`,
        );
        continue;
      }
      let sync: FamilySync;
      const definition = this.definition(metadata, instance as Record<string, unknown>);
      try {
        sync = new FamilySync(definition, this.context.sync);
      } catch (error) {
        throw new SearchSyncBootstrapError(className, metadata.name, error);
      }
      this.registry.add({
        className,
        family: metadata.name,
        schedule: metadata.schedule,
        table: `${sync.source.schema}.${sync.source.name}`,
        wakeOnCommit:
          (metadata.wakeOnCommit ?? this.context.wakeOnCommit) &&
          (metadata.capture?.mode ?? 'exact') === 'exact',
        runner: new FamilyRunner(sync, {
          db: this.context.db,
          stateSchema: this.context.stateSchema,
          holder: this.context.holder,
          leaseTtlMs: this.context.leaseTtlMs,
          observer: this.context.events.emit,
          onBackgroundError: (error) =>
            this.logger.error(`${className}: backfill partitions: ${error.message}`),
        }),
        definition,
      });
      if (!this.context.prepare) continue;
      try {
        const { notices } = await sync.prepare();
        for (const notice of notices) this.logger.warn(`${className}: ${notice}`);
      } catch (error) {
        // A service that failed is named with what it said, not with the query or request that failed.
        throw new SearchSyncBootstrapError(className, metadata.name, serviceFailure(null, error));
      }
      this.logger.log(
        `${className}: family "${metadata.name}", versions ${sync.versions.map((v) => v.version).join(', ')}` +
          (sync.relatedPaths.length > 0
            ? `, re-indexed on changes of ${sync.relatedPaths.map((p) => p.path).join(', ')}`
            : '') +
          (sync.optedOutPaths.length > 0
            ? `, not on changes of ${sync.optedOutPaths.map((p) => p.path).join(', ')} (opted out: content reconcile finds their drift)`
            : ''),
      );
    }
  }

  private definition(metadata: SearchIndexMetadata, instance: Record<string, unknown>): FamilyDefinition {
    const versions: VersionDefinition<unknown>[] = [];
    for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const method = instance[name] as (dto: unknown) => Record<string, unknown>;
      const version = this.reflector.get<IndexVersionMetadata | undefined>(INDEX_VERSION_METADATA, method);
      if (!version) continue;
      versions.push({
        ...version,
        transform: (dto) => method.call(instance, dto),
        transformSource: method.toString(),
      });
    }
    return {
      name: metadata.name,
      table: metadata.source,
      key: metadata.key,
      with: metadata.with,
      reindexOnUpdate: metadata.reindexOnUpdate,
      capture: metadata.capture,
      softDelete: metadata.softDelete,
      normalise: metadata.normalise,
      stages: metadata.stages,
      backfill: metadata.backfill,
      refresh: metadata.refresh,
      versions,
    };
  }
}
