import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { FamilySync } from '../libs/search-sync/src/index.js';
import { catalogSchema, categories, products } from '../src/catalog/catalog.schema.js';
import { seedCatalog } from '../src/catalog/catalog.seed.js';
import { productsFamily } from '../src/catalog/products.family.js';
import { demoDatabase } from '../src/demo/demo.environment.js';
import { createClient, deleteIndexes, readAll, uniqueName } from './support/test-opensearch.js';

/** A localhost port nobody listens on: the OS hands out a free one, which is given straight back. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the demo database when no PostgreSQL answers', () => {
  it('is an embedded PGlite that runs the migrations and stamps changes for postgres.js', async () => {
    const localServer = `127.0.0.1:${await unusedPort()}`;
    const database = await demoDatabase({ localServer, pgliteDataDir: 'memory://' });
    try {
      expect(database.maxConnections).toBe(1);
      expect(database.description).toContain('PGlite');
      expect(database.description).toContain(`no PostgreSQL answers at ${localServer}`);

      const client = postgres(database.url, { max: database.maxConnections, onnotice: () => {} });
      try {
        const db = drizzle(client, { schema: catalogSchema });
        await migrate(db, { migrationsFolder: 'drizzle' });
        const currentXid = sql<string>`pg_current_xact_id()::text`;
        const capture = {
          id: products.id,
          changeKey: products.searchSyncChangeKey,
          rowVersion: products.searchSyncRowVersion,
          xid: currentXid,
        };
        const inserted = await db.transaction(async (tx) => {
          const [category] = await tx.insert(categories).values({ name: 'Kitchen' }).returning();
          // Capture values given explicitly: only the trigger, not the column defaults, can replace them.
          const [row] = await tx
            .insert(products)
            .values({
              sku: 'SKU-1',
              title: 'Kettle',
              description: 'steel',
              price: '20.00',
              categoryId: category.id,
              searchSyncChangeKey: 0,
              searchSyncRowVersion: 0,
            })
            .returning(capture);
          return row;
        });
        expect(inserted.changeKey).toBe(Number(inserted.xid));
        expect(inserted.rowVersion).toBeGreaterThan(0);

        const [updated] = await db
          .update(products)
          .set({ price: '21.00' })
          .where(eq(products.id, inserted.id))
          .returning(capture);
        expect(updated.changeKey).toBe(Number(updated.xid));
        expect(updated.changeKey).toBeGreaterThan(inserted.changeKey);
        expect(updated.rowVersion).toBeGreaterThan(inserted.rowVersion);
      } finally {
        await client.end();
      }
    } finally {
      await database.close();
    }
  });

  it('fails naming DATABASE_URL and what went wrong when PGlite cannot serve either', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-environment-'));
    try {
      const file = join(dir, 'file');
      await writeFile(file, '');
      const localServer = `127.0.0.1:${await unusedPort()}`;
      const failure = demoDatabase({ localServer, pgliteDataDir: join(file, 'pgdata') });
      await expect(failure).rejects.toThrow(`No PostgreSQL answers at ${localServer}`);
      await expect(failure).rejects.toThrow(
        /could not serve \(PGlite could not open .*ENOTDIR.*\)\. Set DATABASE_URL/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bootstraps and syncs a family through its one connection', async () => {
    const localServer = `127.0.0.1:${await unusedPort()}`;
    const database = await demoDatabase({ localServer, pgliteDataDir: 'memory://' });
    const client = createClient();
    const family = uniqueName('pglite');
    const connection = postgres(database.url, { max: database.maxConnections, onnotice: () => {} });
    try {
      const db = drizzle(connection, { schema: catalogSchema });
      await migrate(db, { migrationsFolder: 'drizzle' });
      await seedCatalog(db, { products: 40 });
      const sync = new FamilySync(productsFamily(family), { db, client });
      // Bootstrap reads the source inside its transaction: a read beside it would wait for the one connection.
      await sync.prepare();
      await sync.run();
      expect((await readAll(client, `${family}_v1`)).size).toBe(40);
    } finally {
      await deleteIndexes(client, `${family}_*`);
      await client.close();
      await connection.end();
      await database.close();
    }
  });
});
