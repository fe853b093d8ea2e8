import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Client } from '@opensearch-project/opensearch';
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { type BackfillProgress, type FamilyStatus, IndexNotOwnedError, SearchSyncService } from 'search-sync';
import { AppModule, type AppOptions } from './app.module.js';
import { catalogSchema, products } from './catalog/catalog.schema.js';
import { seedCatalog } from './catalog/catalog.seed.js';
import { ProductsIndex, ProductsV1Index } from './catalog/products.index.js';
import { type CatalogDatabase, DRIZZLE } from './database/database.module.js';
import { type DemoDatabase, demoDatabase, demoOpenSearch } from './demo/demo.environment.js';
import { progress } from './demo/demo.progress.js';
import { renameRelatedRows } from './demo/demo.related.js';

const PRODUCTS = Number(process.env.DEMO_PRODUCTS ?? 100_000);
/** Indexes of another database's demo run that this one may take over, e.g. `products_v1,products_v2`. */
const ADOPT = (process.env.SEARCH_SYNC_ADOPT ?? '').split(',').filter(Boolean);
const DEMO_INDEXES = 'products_v1,products_v2,categories_v1';

/** Migrates and seeds the catalog up to PRODUCTS products. */
async function prepareCatalog(database: DemoDatabase): Promise<void> {
  const connection = postgres(database.url, {
    max: Math.min(2, database.maxConnections),
    onnotice: () => {},
  });
  try {
    const db = drizzle(connection, { schema: catalogSchema });
    await migrate(db, { migrationsFolder: 'drizzle' });
    const [{ count }] = await connection`select count(*)::int as count from products`;
    if (count >= PRODUCTS) return;
    const bar = progress('seeding', PRODUCTS - count);
    let reported = 0;
    await seedCatalog(db, {
      products: PRODUCTS - count,
      chunk: 10_000,
      onProgress: (done) => {
        bar.advance(done - reported);
        reported = done;
      },
    });
    bar.stop();
  } finally {
    await connection.end();
  }
}

function printStatus(statuses: readonly FamilyStatus[]): void {
  for (const status of statuses) {
    const last = status.lastRun;
    console.log(
      `\nfamily ${status.family} (${status.className}): last run ${last?.outcome ?? 'never'}` +
        (last ? `, ${last.changes} changes in ${last.batches} batches` : ''),
    );
    console.table(
      status.versions.map((v) => ({
        version: v.version,
        index: v.index,
        state: v.state,
        documents: v.documents,
        pending: v.pendingChanges,
        'lag (s)': v.lagSeconds,
        'dead letters': v.deadLetters,
        // What the checkpoint implies; ✗ when the index holds another count (documents of another database, say).
        expected: v.expectedDocuments
          ? `${v.expectedDocuments.min}${v.expectedDocuments.max > v.expectedDocuments.min ? `–${v.expectedDocuments.max}` : ''}` +
            (v.expectedDocuments.matches ? '' : ' ✗')
          : '-',
        checkpoint: v.checkpoint ? `${v.checkpoint.changeKey}/${v.checkpoint.key.join(',')}` : '-',
      })),
    );
    const { alias } = status;
    console.log(
      alias
        ? `  alias ${alias.alias} → ${alias.indexes.join(', ') || '(none)'}` +
            (alias.matches
              ? ''
              : `, but this state records ${alias.serving?.index ?? 'no version'} as serving`)
        : '  alias: OpenSearch did not answer',
    );
    if (status.horizon.holder) {
      const { pid, since } = status.horizon.holder;
      console.log(
        `  transaction of backend ${pid} open since ${since.toISOString()}: ${status.horizon.changesPastHorizon} later changes were read past it`,
      );
    }
  }
}

/** The indexes the family's alias points at. */
async function aliasOf(opensearch: Client, alias: string): Promise<string> {
  const { body } = await opensearch.indices.getAlias({ name: alias }, { ignore: [404] });
  return Object.keys(body && !('error' in body) ? body : {}).join(', ') || '(none)';
}

/** One run of every family, with a progress bar for each. */
async function syncAll(sync: SearchSyncService): Promise<void> {
  for (const family of sync.families()) {
    const bar = progress(`syncing ${family}`, await sync.pendingChanges(family));
    const result = await sync.sync(family, { onBatch: (batch) => bar.advance(batch.changes) });
    bar.stop();
    if (result.outcome === 'skipped') console.log(`${family}: skipped, ${result.reason}`);
    else {
      const { report } = result;
      const rate = Math.round(report.changes / Math.max(0.001, report.durationMs / 1000));
      console.log(
        `${family}: synced ${report.changes} changes into versions ${report.versions.join(', ')} in ` +
          `${report.durationMs} ms (${rate} rows/s, ${report.batches} batches, ${report.rowQueries} row queries, ` +
          `${report.deadLetters} dead letters).`,
      );
    }
  }
}

/**
 * The migration, as it goes in production: the deployment that adds v2 starts its backfill on a stream
 * of its own while a writer keeps changing products and v1 keeps serving fresh results; once v2 has
 * caught up, promotion reads both together once more and moves the alias in one `_aliases` request.
 */
async function migrateProducts(
  sync: SearchSyncService,
  opensearch: Client,
  db: CatalogDatabase,
): Promise<void> {
  const before = await aliasOf(opensearch, 'products');
  // Through the application's own pool, as its writes would go; under PGlite that is the only connection.
  let writing = true;
  let written = 0;
  const writes = (async () => {
    for (let n = 0; writing; n++, written++) {
      await db
        .update(products)
        .set({ price: sql`${products.price} + 0.01`, updatedAt: sql`now()` })
        .where(eq(products.id, 1 + ((n * 7919) % PRODUCTS)));
    }
  })();
  try {
    const backfilling = async () =>
      (await sync.status('products'))[0].versions.find((v) => v.version === 2)?.backfill ?? null;
    const first = await backfilling();
    if (first) {
      // What a 2 s schedule would do: each run streams the backfill for one interval, v1 re-synced meanwhile.
      const bar = progress('backfilling products_v2 beside the live v1', first.total);
      const started = Date.now();
      let reported = 0;
      let runs = 0;
      for (let state: BackfillProgress | null = first; state; state = await backfilling(), runs++) {
        bar.advance(state.done - reported);
        reported = state.done;
        await sync.sync('products', { backfillBudgetMs: 2000 });
      }
      bar.stop();
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `products_v2 backfilled ${first.total} changes in ${seconds.toFixed(1)} s over ${runs} runs ` +
          `(${Math.round(first.total / seconds)} rows/s), v1 re-synced all along, ${written} writes meanwhile.`,
      );
    }
    // Under the family's lease, promote first syncs v1 and v2 together, so v2 holds all v1 shows.
    const promoted = await sync.promote('products', 2);
    console.log(
      `\nWhile a writer changed products (${written} writes so far): alias "products" moved ${before} → ${promoted.index} in one _aliases request.`,
    );
  } catch (error) {
    console.log(`\nPromotion refused: ${error instanceof Error ? error.message : error}`);
  } finally {
    writing = false;
    await writes;
  }
  await sync.sync('products');
}

async function main(): Promise<void> {
  const database = await demoDatabase();
  console.log(`Database: ${database.description}.`);
  try {
    await demo(database);
  } finally {
    await database.close();
  }
}

/** Boots the demo application with one declaration of the products family, runs `work`, closes it. */
async function withApp(
  database: DemoDatabase,
  opensearch: Client,
  productsIndex: AppOptions['productsIndex'],
  work: (sync: SearchSyncService, app: INestApplicationContext) => Promise<void>,
): Promise<void> {
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      databaseUrl: database.url,
      databaseMaxConnections: database.maxConnections,
      opensearch,
      runSchedules: false,
      productsIndex,
      adopt: ADOPT,
    }),
    { logger: ['warn', 'error'] },
  );
  try {
    await work(app.get(SearchSyncService), app);
  } finally {
    await app.close();
  }
}

async function demo(database: DemoDatabase): Promise<void> {
  const opensearch = await demoOpenSearch();
  try {
    await prepareCatalog(database);
    const fresh = !(await opensearch.indices.exists({ index: 'products_v2' })).body;
    if (fresh) {
      console.log('\n1. The deployment before the migration declares products in v1 only.');
      await withApp(database, opensearch, ProductsV1Index, async (sync) => {
        await syncAll(sync);
        await opensearch.indices.refresh();
        printStatus(await sync.status());
      });
    }
    console.log(
      '\n2. The deployment that adds products v2: its backfill starts by itself, beside the live v1.',
    );
    await withApp(database, opensearch, ProductsIndex, async (sync, app) => {
      if ((await sync.status('products'))[0].alias?.serving?.index === 'products_v2') {
        console.log('products_v2 already serves: syncing only.');
        await syncAll(sync);
      } else {
        printStatus(await sync.status('products'));
        await migrateProducts(sync, opensearch, app.get<CatalogDatabase>(DRIZZLE));
        await syncAll(sync);
      }
      await opensearch.indices.refresh();
      console.log('\n3. After the migration:');
      printStatus(await sync.status());
      await renameRelatedRows(sync, opensearch, app.get<CatalogDatabase>(DRIZZLE));
    });
  } finally {
    await opensearch.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && error.cause instanceof IndexNotOwnedError) {
    console.error(
      '\nThe demo found indexes that a run against another database made on this node. Run it again with ' +
        `SEARCH_SYNC_ADOPT=${DEMO_INDEXES} to adopt them (each is reconciled with this database before use), ` +
        `or delete them first: curl -X DELETE '${process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200'}/${DEMO_INDEXES}'.`,
    );
  }
  // A deployment that failed to boot never closed its database pool (Nest hands back no context to
  // close): exit rather than wait on its idle connections.
  process.exit(1);
});
