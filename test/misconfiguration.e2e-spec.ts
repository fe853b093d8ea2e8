import { Injectable, type Type } from '@nestjs/common';
import type { Client } from '@opensearch-project/opensearch';
import {
  CaptureNotInstalledError,
  DefinitionChangedError,
  IndexVersion,
  SearchIndex,
  SearchSyncBootstrapError,
  StateNotInstalledError,
} from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories, products, tags } from '../src/catalog/catalog.schema.js';
import { categoriesIndex } from './fixtures/catalog.indexes.js';
import { createTestApp, type TestAppOptions } from './fixtures/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createClient, deleteIndexes, uniqueName } from './support/test-opensearch.js';

describe('misconfiguration fails bootstrap with a message naming the class, family and version', () => {
  let database: TestDatabase;
  let client: Client;
  const prefix = uniqueName('misconfig');
  const family = (name: string) => `${prefix}_${name}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
  });

  afterAll(async () => {
    await deleteIndexes(client, `${prefix}_*`);
    await client.close();
    await database.drop();
  });

  /** Boots the app and returns the bootstrap error (failing if it boots). */
  async function bootstrapError(indexes: Type[], options: Partial<TestAppOptions> = {}): Promise<Error> {
    const app = await createTestApp({ database: database.db, opensearch: client, indexes, ...options }).catch(
      (error: Error) => error,
    );
    if (!(app instanceof Error)) {
      await app.close();
      throw new Error('the application booted');
    }
    return app;
  }

  it('duplicate version numbers', async () => {
    @SearchIndex(family('dup'), { source: categories })
    @Injectable()
    class DuplicateVersions {
      @IndexVersion(1)
      a() {
        return {};
      }
      @IndexVersion(1)
      b() {
        return {};
      }
    }
    const error = await bootstrapError([DuplicateVersions]);
    expect(error).toBeInstanceOf(SearchSyncBootstrapError);
    expect(error.message).toBe(
      `DuplicateVersions (family "${family('dup')}"): Family "${family('dup')}", version 1: the version number is declared twice.`,
    );
  });

  it('two families with one alias', async () => {
    const error = await bootstrapError([categoriesIndex(family('same')), categoriesIndex(family('same'))]);
    expect(error.message).toMatch(
      new RegExp(
        `^CategoriesTestIndex \\(family "${family('same')}"\\): CategoriesTestIndex already declares a family with this name`,
      ),
    );
  });

  it('a version whose definition changed since it was created', async () => {
    const name = family('changed');
    const original = categoriesIndex(name);
    const app = await createTestApp({ database: database.db, opensearch: client, indexes: [original] });
    await app.close();

    @SearchIndex(name, { source: categories })
    @Injectable()
    class ChangedTransform {
      @IndexVersion(1, { settings: { number_of_replicas: 0 } })
      v1(category: { name: string }) {
        return { title: category.name.toUpperCase() };
      }
    }
    const error = await bootstrapError([ChangedTransform]);
    expect(error.cause).toBeInstanceOf(DefinitionChangedError);
    expect(error.message).toMatch(
      /^ChangedTransform \(family ".+"\): Family ".+", version 1: .*changed.*Bump the version/,
    );
  });

  it('a version whose transform behaves differently through a helper it calls, its own text unchanged', async () => {
    const name = family('helper');
    await database.client`insert into categories (name) values ('Garden'), ('Kitchen'), ('Tools')`;
    // The demo's pattern: the decorated method calls a helper; the helper changes in a later deployment.
    let style: 'upper' | 'lower' = 'upper';
    const label = (text: string) => (style === 'upper' ? text.toUpperCase() : text.toLowerCase());
    @SearchIndex(name, { source: categories })
    @Injectable()
    class LabelledCategories {
      @IndexVersion(1, { settings: { number_of_replicas: 0 } })
      v1(category: { name: string }) {
        return { title: label(category.name) };
      }
    }
    const first = await createTestApp({
      database: database.db,
      opensearch: client,
      indexes: [LabelledCategories],
    });
    await first.close();
    // The same code boots again: same text, same behaviour.
    const again = await createTestApp({
      database: database.db,
      opensearch: client,
      indexes: [LabelledCategories],
    });
    await again.close();

    style = 'lower';
    const error = await bootstrapError([LabelledCategories]);
    expect(error.cause).toBeInstanceOf(DefinitionChangedError);
    expect(error.message).toMatch(
      /^LabelledCategories \(family ".+"\): Family ".+", version 1: its transform now makes another document of row "\d+".*Bump the version/,
    );
  });

  it('a refused deployment registers no new version and creates no index', async () => {
    const name = family('refused');
    const registered = async () =>
      (
        await database.client<{ version: number; state: string }[]>`
          select version, state from search_sync.versions where family = ${name} order by version`
      ).map((r) => [r.version, r.state]);
    const exists = async (version: number) =>
      (await client.indices.exists({ index: `${name}_v${version}` })).body;
    // v1 as deployed; the deployments below extend it, so its definition stays the same unless overridden.
    const Deployed = categoriesIndex(name);
    const app = await createTestApp({ database: database.db, opensearch: client, indexes: [Deployed] });
    await app.close();

    // Deployment A adds v2 but changed v1: refused for v1, it must leave v2 unregistered and unbuilt.
    @SearchIndex(name, { source: categories })
    @Injectable()
    class ChangedV1NewV2 extends Deployed {
      @IndexVersion(1, { settings: { number_of_replicas: 0 } })
      v1(category: { name: string }) {
        return { title: category.name.toUpperCase() };
      }
      @IndexVersion(2, { settings: { number_of_replicas: 0 } })
      v2(category: { name: string }) {
        return { label: category.name };
      }
    }
    const refused = await bootstrapError([ChangedV1NewV2]);
    expect(refused.cause).toBeInstanceOf(DefinitionChangedError);
    expect(refused.message).toMatch(/version 1: .*changed/);
    expect(await registered()).toEqual([[1, 'backfilling']]);
    expect(await exists(2)).toBe(false);

    // Deployment B adds v2 and v3, whose mapping OpenSearch rejects: v2's index, built first, goes too.
    @SearchIndex(name, { source: categories })
    @Injectable()
    class BadV3 extends Deployed {
      @IndexVersion(2, { settings: { number_of_replicas: 0 } })
      v2(category: { name: string }) {
        return { name: category.name };
      }
      @IndexVersion(3, { mappings: { properties: { name: { type: 'no_such_type' } } } })
      v3(category: { name: string }) {
        return { name: category.name };
      }
    }
    expect((await bootstrapError([BadV3])).message).toMatch(/no_such_type/);
    expect(await registered()).toEqual([[1, 'backfilling']]);
    expect([await exists(2), await exists(3)]).toEqual([false, false]);

    // The corrected deployment boots, whatever v2 looked like in the refused ones.
    @SearchIndex(name, { source: categories })
    @Injectable()
    class Corrected extends Deployed {
      @IndexVersion(2, { settings: { number_of_replicas: 0, refresh_interval: '2s' } })
      v2(category: { name: string }) {
        return { name: category.name, length: category.name.length };
      }
    }
    const corrected = await createTestApp({
      database: database.db,
      opensearch: client,
      indexes: [Corrected],
    });
    await corrected.close();
    expect(await registered()).toEqual([
      [1, 'backfilling'],
      [2, 'backfilling'],
    ]);
    expect(await exists(2)).toBe(true);
  });

  it('an unknown key column', async () => {
    @SearchIndex(family('key'), { source: products, key: [categories.id] })
    @Injectable()
    class WrongKey {
      @IndexVersion(1)
      v1() {
        return {};
      }
    }
    const error = await bootstrapError([WrongKey]);
    expect(error.message).toMatch(
      /^WrongKey \(family ".+_key"\): Family ".+_key": key column "id" is not a column of table "products"/,
    );
  });

  it('a table without the change-capture columns, and one whose migration was not applied', async () => {
    @SearchIndex(family('tags'), { source: tags })
    @Injectable()
    class NoColumns {
      @IndexVersion(1)
      v1() {
        return {};
      }
    }
    expect((await bootstrapError([NoColumns])).message).toMatch(
      /^NoColumns .*spread changeCaptureColumns\(\) into its pgTable/,
    );

    await database.client`drop trigger search_sync_capture on categories`;
    try {
      const error = await bootstrapError([categoriesIndex(family('trigger'))]);
      expect(error.cause).toBeInstanceOf(CaptureNotInstalledError);
      expect(error.message).toMatch(
        /search_sync_capture trigger is missing.*`search-sync capture-migration \w+`.*changeCaptureSql\(\)/,
      );
    } finally {
      await database.client.unsafe(
        'create trigger search_sync_capture before insert or update on categories for each row execute function search_sync.capture_change()',
      );
    }

    const bare = await createTestDatabase({ migrate: false });
    try {
      const error = await createTestApp({
        database: bare.db,
        opensearch: client,
        indexes: [categoriesIndex(family('bare'))],
      }).catch((e: Error) => e);
      expect((error as Error).cause).toBeInstanceOf(StateNotInstalledError);
      expect((error as Error).message).toMatch(/state tables are missing in schema "search_sync"/);
    } finally {
      await bare.drop();
    }
  });

  it('a schedule without ScheduleModule.forRoot() in the application', async () => {
    const error = await bootstrapError([categoriesIndex(family('sched'), { every: 1000 })], {
      schedule: false,
    });
    expect(error.message).toMatch(
      /CategoriesTestIndex .*no SchedulerRegistry is available: import ScheduleModule.forRoot\(\)/,
    );
    // An API instance that runs no schedules boots without it.
    const app = await createTestApp({
      database: database.db,
      opensearch: client,
      indexes: [categoriesIndex(family('api'), { every: 1000 })],
      schedule: false,
      runSchedules: false,
    });
    await app.close();
  });
});
