import type { Client } from '@opensearch-project/opensearch';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import {
  describeSource,
  FamilySync,
  IndexNotOwnedError,
  installChangeCapture,
  installRelatedCapture,
  installSearchSyncState,
  type SyncDatabase,
} from 'search-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSchema, categories, products } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily, productsV1, productsV2 } from '../src/catalog/products.family.js';
import { servePglite } from '../src/database/pglite.server.js';
import { expectVersionsMatchSource } from './support/catalog.expect.js';
import {
  createTestDatabase,
  DATABASE_URL,
  type TestDatabase,
  untilReadable,
} from './support/test-database.js';
import { aliasTargets, createClient, deleteIndexes, readAll, uniqueName } from './support/test-opensearch.js';

const versions = [productsV1, productsV2];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Its error, for a promise that must fail. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal, but it succeeded');
    },
    (error: unknown) => error as Error,
  );

const documentCount = async (client: Client, index: string) => {
  await client.indices.refresh({ index });
  return (await client.count({ index })).body.count as number;
};

describe('two databases against one OpenSearch node', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let client: Client;
  const family = uniqueName('owned');

  beforeAll(async () => {
    [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    client = createClient();
    await seedCatalog(first.db, { products: 600 });
    await untilReadable(first.client);
    await seedCatalog(second.db, { products: 150 });
    // The same ids with other content: documents the second database adopts must really be rewritten.
    await second.client`update products set title = 'Second ' || title`;
    await untilReadable(second.client);
    const sync = new FamilySync(productsFamily(family, versions), { db: first.db, client });
    await sync.prepare();
    await sync.run();
    await sync.promote(2);
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await Promise.all([first?.drop(), second?.drop()]);
  });

  it('refuses at bootstrap the indexes of the other database, naming them, their owner and the ways out, and writes nothing', async () => {
    const sync = new FamilySync(productsFamily(family, versions), { db: second.db, client });
    const refused = await failure(sync.prepare());
    expect(refused).toBeInstanceOf(IndexNotOwnedError);
    for (const version of [1, 2]) {
      expect(refused.message).toMatch(
        new RegExp(
          `index "${family}_v${version}" belongs to search-sync state ${UUID} \\(family "${family}", version ${version}\\) in database "${first.name}"`,
        ),
      );
    }
    expect(refused.message).toContain(`Either delete them (DELETE /${family}_v1,${family}_v2)`);
    expect(refused.message).toContain(`adopt: ['${family}_v1', '${family}_v2']`);
    expect(await second.client`select * from search_sync.versions`).toHaveLength(0);
    expect(await documentCount(client, `${family}_v1`)).toBe(600);
    // A run without a bootstrap refuses too: nothing is written into an index of another state.
    await expect(sync.run()).rejects.toBeInstanceOf(IndexNotOwnedError);
    expect((await readAll(client, `${family}_v1`)).get('1')?.title).not.toMatch(/^Second/);
  });

  it('adopts them when told to, reconciles them before use and ends equal to its own source; the first database is then refused', async () => {
    const sync = new FamilySync(productsFamily(family, versions), {
      db: second.db,
      client,
      adopt: [`${family}_v1`, `${family}_v2`],
    });
    const { notices } = await sync.prepare();
    // The alias is the other database's: it is reported, not moved.
    expect(notices).toEqual([
      `Family "${family}": alias "${family}" points at ${family}_v2, but this state records no version ` +
        'as serving (the alias was made by another deployment, or before this state was installed). It is ' +
        'left as it is: promote a version to move it.',
    ]);
    await sync.run();
    await expectVersionsMatchSource(client, second, family, versions);
    const status = await sync.status();
    expect(status.map((v) => v.state)).toEqual(['live', 'live']);
    expect(status.map((v) => v.expectedDocuments?.matches)).toEqual([true, true]);
    expect(await aliasTargets(client, family)).toEqual([`${family}_v2`]);
    expect(await sync.aliasStatus()).toEqual({
      alias: family,
      indexes: [`${family}_v2`],
      serving: null,
      matches: false,
    });

    // Its own writes win over the documents it adopted, though its row versions are far lower.
    await second.db.update(products).set({ title: 'Rewritten' }).where(eq(products.id, 7));
    await untilReadable(second.client);
    await sync.run();
    expect((await readAll(client, `${family}_v1`)).get('7')?.title).toBe('Rewritten');
    expect(await sync.promote(2)).toMatchObject({ index: `${family}_v2` });
    expect(await sync.aliasStatus()).toMatchObject({ matches: true });

    const refused = await failure(
      new FamilySync(productsFamily(family, versions), { db: first.db, client }).prepare(),
    );
    expect(refused).toBeInstanceOf(IndexNotOwnedError);
    expect(refused.message).toContain(`in database "${second.name}"`);
  });

  it('refuses them from an embedded PGlite too (the demo run on PostgreSQL, then on PGlite)', async () => {
    const pglite = await servePglite('memory://');
    const connection = postgres(pglite.url, { max: 1, onnotice: () => {} });
    try {
      const db = drizzle(connection, { schema: catalogSchema });
      await migrate(db, { migrationsFolder: 'drizzle' });
      await seedCatalog(db, { products: 50 });
      const refused = await failure(
        new FamilySync(productsFamily(family, versions), { db, client }).prepare(),
      );
      expect(refused).toBeInstanceOf(IndexNotOwnedError);
      expect(refused.message).toContain(`in database "${second.name}"`);
      expect(await documentCount(client, `${family}_v1`)).toBe(150);

      // Adopted through its one connection, the index ends with PGlite's rows alone.
      const adopting = new FamilySync(productsFamily(family, versions), {
        db,
        client,
        adopt: [`${family}_v1`, `${family}_v2`],
      });
      await adopting.prepare();
      await adopting.run();
      expect(await documentCount(client, `${family}_v1`)).toBe(50);
    } finally {
      await connection.end();
      await pglite.close();
    }
  });
});

describe('a state schema dropped and reinstalled', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('reinstalled');

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 300 });
    await untilReadable(database.client);
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('is a new state: its old indexes are refused until adopted, then its low row versions still win', async () => {
    const before = new FamilySync(productsFamily(family, [productsV1]), { db: database.db, client });
    await before.prepare();
    await before.run();
    await database.client`drop schema search_sync cascade`;
    await installSearchSyncState(database.db);
    await installChangeCapture(database.db, describeSource('products', products));
    await installChangeCapture(database.db, describeSource('categories', categories));
    await installRelatedCapture(database.db, {
      table: products,
      with: productsFamily(family).with ?? {},
      schema: catalogSchema,
    });
    // The row version sequence starts again at 1: every row gets a version far below its document's.
    await database.client`update products set title = 'After reinstall ' || id where id <= 100`;
    await untilReadable(database.client);

    const refused = await failure(
      new FamilySync(productsFamily(family, [productsV1]), { db: database.db, client }).prepare(),
    );
    expect(refused).toBeInstanceOf(IndexNotOwnedError);
    expect(refused.message).toContain(`index "${family}_v1" belongs to search-sync state`);

    // Listed for adoption but declared otherwise than the index was built: adopting it would keep wrong mappings.
    const changed = { ...productsV1, mappings: { properties: { title: { type: 'keyword' } } } };
    const wrong = await failure(
      new FamilySync(productsFamily(family, [changed]), {
        db: database.db,
        client,
        adopt: [`${family}_v1`],
      }).prepare(),
    );
    expect(wrong).toBeInstanceOf(IndexNotOwnedError);
    expect(wrong.message).toContain(
      "was built from another definition than version 1's, so it cannot be adopted",
    );
    expect(wrong.message).not.toContain('adopt:');

    const sync = new FamilySync(productsFamily(family, [productsV1]), {
      db: database.db,
      client,
      adopt: [`${family}_v1`],
    });
    await sync.prepare();
    await sync.run();
    await expectVersionsMatchSource(client, database, family, [productsV1]);
    expect((await readAll(client, `${family}_v1`)).get('3')?.title).toBe('After reinstall 3');
  });
});

describe('an index made by hand', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('byhand');

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 100 });
    await untilReadable(database.client);
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('is foreign, having no owner, until adopted; then its own documents are replaced', async () => {
    const index = `${family}_v1`;
    await client.indices.create({ index, body: { settings: { number_of_replicas: 0 } } } as never);
    await client.bulk({
      refresh: true,
      body: ['5', 'hand-1'].flatMap((id) => [{ index: { _index: index, _id: id } }, { title: 'by hand' }]),
    } as never);
    const refused = await failure(
      new FamilySync(productsFamily(family, [productsV1]), { db: database.db, client }).prepare(),
    );
    expect(refused).toBeInstanceOf(IndexNotOwnedError);
    expect(refused.message).toContain(`index "${index}" has no search-sync owner in its _meta`);

    const sync = new FamilySync(productsFamily(family, [productsV1]), {
      db: database.db,
      client,
      adopt: [index],
    });
    await sync.prepare();
    await sync.run();
    const documents = await readAll(client, index);
    expect(documents.size).toBe(100);
    expect(documents.has('hand-1')).toBe(false);
    expect(documents.get('5')?.title).not.toBe('by hand');
  });
});

describe('a retired version whose index another state took over', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let client: Client;
  const family = uniqueName('retired');

  beforeAll(async () => {
    [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    client = createClient();
    await Promise.all([seedCatalog(first.db, { products: 100 }), seedCatalog(second.db, { products: 60 })]);
    await untilReadable(first.client);
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await Promise.all([first?.drop(), second?.drop()]);
  });

  it("keeps it when the grace period ends: it is not this state's to delete any more", async () => {
    const sync = new FamilySync(productsFamily(family, versions), { db: first.db, client });
    await sync.prepare();
    await sync.run();
    await sync.promote(2);
    await sync.retire(1, 1);
    const other = new FamilySync(productsFamily(family, [productsV1]), {
      db: second.db,
      client,
      adopt: [`${family}_v1`],
    });
    await other.prepare();
    await other.run();
    expect(await documentCount(client, `${family}_v1`)).toBe(60);

    await sync.run();
    expect(await documentCount(client, `${family}_v1`)).toBe(60);
  });
});

describe('an alias moved by hand', () => {
  let database: TestDatabase;
  let client: Client;
  const family = uniqueName('moved');

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createClient();
    await seedCatalog(database.db, { products: 200 });
    await untilReadable(database.client);
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await database.drop();
  });

  it('is reported at bootstrap and in status, and left where it is', async () => {
    const options = { db: database.db, client };
    const sync = new FamilySync(productsFamily(family, versions), options);
    expect((await sync.prepare()).notices).toEqual([]);
    await sync.run();
    await sync.promote(2);
    expect(await sync.aliasStatus()).toEqual({
      alias: family,
      indexes: [`${family}_v2`],
      serving: { version: 2, index: `${family}_v2` },
      matches: true,
    });

    await client.indices.updateAliases({
      body: {
        actions: [
          { remove: { index: `${family}_v2`, alias: family } },
          { add: { index: `${family}_v1`, alias: family } },
        ],
      },
    } as never);
    const again = new FamilySync(productsFamily(family, versions), options);
    const { notices } = await again.prepare();
    expect(notices).toEqual([
      `Family "${family}": alias "${family}" points at ${family}_v1, but this state records ${family}_v2 ` +
        '(version 2) as serving. It is left as it is: promote a version to move it, or move it back by hand.',
    ]);
    await again.run();
    expect(await aliasTargets(client, family)).toEqual([`${family}_v1`]);
    expect(await again.aliasStatus()).toEqual({
      alias: family,
      indexes: [`${family}_v1`],
      serving: { version: 2, index: `${family}_v2` },
      matches: false,
    });
  });
});

describe('a restored or copied database', () => {
  let original: TestDatabase;
  let client: Client;
  const family = uniqueName('copied');
  const copyName = `${uniqueName('ss_test_copy')}`;
  const copyUrl = (() => {
    const url = new URL(DATABASE_URL);
    url.pathname = `/${copyName}`;
    return url.toString();
  })();

  beforeAll(async () => {
    original = await createTestDatabase();
    client = createClient();
    await seedCatalog(original.db, { products: 200 });
    await untilReadable(original.client);
  });

  afterAll(async () => {
    await deleteIndexes(client, `${family}_*`);
    await client.close();
    await original?.drop();
    const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${copyName} with (force)`);
    await admin.end();
  });

  it("is recognised as a copy: the original's indexes are refused, saying so, until adopted", async () => {
    const sync = new FamilySync(productsFamily(family, [productsV1]), { db: original.db, client });
    await sync.prepare();
    await sync.run();
    const [state] = await original.client`select id::text, database_name from search_sync.identity`;
    expect(state.database_name).toBe(original.name);
    await original.client.end();
    const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${copyName} template ${original.name}`);
    await admin.end();

    const connection = postgres(copyUrl, { max: 4, onnotice: () => {} });
    try {
      const db: SyncDatabase = drizzle(connection, { schema: catalogSchema });
      const refused = await failure(
        new FamilySync(productsFamily(family, [productsV1]), { db, client }).prepare(),
      );
      expect(refused).toBeInstanceOf(IndexNotOwnedError);
      expect(refused.message).toMatch(
        new RegExp(
          `belongs to search-sync state ${state.id} \\(family "${family}", version 1\\) in database ` +
            `"${original.name}" \\(PostgreSQL system \\d+\\), the state this one was copied from`,
        ),
      );
      await connection`update products set title = 'Copy ' || title where id <= 20`;
      await untilReadable(connection);
      const adopting = new FamilySync(productsFamily(family, [productsV1]), {
        db,
        client,
        adopt: [`${family}_v1`],
      });
      const { notices } = await adopting.prepare();
      expect(notices[0]).toMatch(
        new RegExp(
          `^The search-sync state in schema "search_sync" was made in database "${original.name}" ` +
            `\\(PostgreSQL system \\d+\\) and now lives in database "${copyName}" \\(PostgreSQL system \\d+\\): ` +
            `a restored backup or a copy. It is now state ${UUID}, copied from ${state.id}`,
        ),
      );
      const [copy] = await connection`select id::text, copied_from::text from search_sync.identity
        where database_name = ${copyName}`;
      expect(copy.copied_from).toBe(state.id);
      await adopting.run();
      const documents = await readAll(client, `${family}_v1`);
      expect(documents.get('3')?.title).toMatch(/^Copy /);
      expect(documents.size).toBe(200);
    } finally {
      await connection.end();
    }
  });
});
