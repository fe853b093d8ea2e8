import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { FamilySync } from '../libs/search-sync/src/index.js';
import { catalogSchema } from './catalog/catalog.schema.js';
import { seedCatalog } from './catalog/catalog.seed.js';
import { productsFamily } from './catalog/products.family.js';
import { demoDatabaseUrl, demoOpenSearch } from './demo/demo.environment.js';

const PRODUCTS = Number(process.env.DEMO_PRODUCTS ?? 100_000);

async function main(): Promise<void> {
  const url = await demoDatabaseUrl();
  const client = await demoOpenSearch();
  const connection = postgres(url, { max: 4, onnotice: () => {} });
  const db = drizzle(connection, { schema: catalogSchema });
  try {
    await migrate(db, { migrationsFolder: 'drizzle' });
    const [{ count }] = await connection`select count(*)::int as count from products`;
    if (count < PRODUCTS) {
      console.log(`Seeding ${PRODUCTS - count} products…`);
      await seedCatalog(db, { products: PRODUCTS - count });
    }
    const sync = new FamilySync(productsFamily(), { db, client });
    await sync.prepare();
    const report = await sync.run();
    const rate = Math.round(report.changes / (report.durationMs / 1000));
    console.log(
      `Synced ${report.changes} changes in ${report.batches} batches (${report.rowQueries} row queries) ` +
        `into versions ${report.versions.join(', ')} in ${report.durationMs} ms (${rate} rows/s); ` +
        `${report.deadLetters} dead letters.`,
    );
    for (const { index } of sync.versions) {
      await client.indices.refresh({ index });
      const { body } = await client.count({ index });
      console.log(`  ${index}: ${body.count} documents`);
    }
    const [source] = await db.execute<{ live: number; active: number }>(
      sql`select count(*) filter (where deleted_at is null)::int as live,
        count(*) filter (where deleted_at is null and active)::int as active from products`,
    );
    console.log(`  source: ${source.live} live products, ${source.active} active`);
  } finally {
    await connection.end();
    await client.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
