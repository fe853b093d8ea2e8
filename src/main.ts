import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Client } from '@opensearch-project/opensearch';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { type FamilyStatus, SearchSyncService } from '../libs/search-sync/src/index.js';
import { AppModule } from './app.module.js';
import { catalogSchema } from './catalog/catalog.schema.js';
import { seedCatalog } from './catalog/catalog.seed.js';
import { demoDatabaseUrl, demoOpenSearch } from './demo/demo.environment.js';
import { progress } from './demo/demo.progress.js';

const PRODUCTS = Number(process.env.DEMO_PRODUCTS ?? 100_000);

/** Migrates and seeds the catalog up to PRODUCTS products. */
async function prepareCatalog(url: string): Promise<void> {
  const connection = postgres(url, { max: 2, onnotice: () => {} });
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
        checkpoint: v.checkpoint ? `${v.checkpoint.changeKey}/${v.checkpoint.key.join(',')}` : '-',
      })),
    );
    if (status.horizon.holder) {
      const { pid, since } = status.horizon.holder;
      console.log(
        `  ${status.horizon.waitingChanges} changes wait for transaction of backend ${pid}, open since ${since.toISOString()}`,
      );
    }
  }
}

/**
 * The migration step of the demo: while a writer keeps changing products, the alias moves from v1 to v2
 * (which backfilled beside v1) once v2 passes its parity check.
 */
async function migrateProducts(sync: SearchSyncService, opensearch: Client, url: string): Promise<void> {
  const aliasOf = async () =>
    Object.keys((await opensearch.indices.getAlias({ name: 'products' }, { ignore: [404] })).body ?? {}).join(
      ', ',
    );
  const before = await aliasOf();
  if (before === 'products_v2') {
    console.log('\nThe products alias already points at products_v2.');
    return;
  }
  const writer = postgres(url, { max: 1, onnotice: () => {} });
  let writing = true;
  const writes = (async () => {
    for (let n = 0; writing; n++) {
      await writer`update products set price = price + 0.01, updated_at = now() where id = ${1 + ((n * 7919) % PRODUCTS)}`;
    }
  })();
  try {
    await sync.sync('products');
    const promoted = await sync.promote('products', 2);
    console.log(
      `\nWhile a writer changed products: alias "products" moved ${before} → ${promoted.index} in one _aliases request.`,
    );
  } catch (error) {
    console.log(`\nPromotion refused: ${error instanceof Error ? error.message : error}`);
  } finally {
    writing = false;
    await writes;
    await writer.end();
  }
  await sync.sync('products');
}

async function main(): Promise<void> {
  const url = await demoDatabaseUrl();
  const opensearch = await demoOpenSearch();
  await prepareCatalog(url);
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ databaseUrl: url, opensearch, runSchedules: false }),
    { logger: ['warn', 'error'] },
  );
  try {
    const sync = app.get(SearchSyncService);
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
    await migrateProducts(sync, opensearch, url);
    await opensearch.indices.refresh();
    printStatus(await sync.status());
  } finally {
    await app.close();
    await opensearch.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
