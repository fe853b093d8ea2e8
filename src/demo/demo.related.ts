import type { Client } from '@opensearch-project/opensearch';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { SearchSyncService } from 'search-sync';
import { categories, products, productTags, tags } from '../catalog/catalog.schema.js';
import type { CatalogDatabase } from '../database/database.module.js';

interface ProductDocument {
  readonly title: string;
  readonly category?: string;
  readonly tags: readonly string[];
}

/**
 * Related rows: the writer changes one category row, one tag row and one join row, as any part of the
 * application would, knowing nothing of the search index; the next run re-indexes every product that
 * embeds them (the family's `with` says which), in every version. The demo runs without schedules, so it
 * syncs by hand; an application's schedule or a commit would do the same.
 */
export async function renameRelatedRows(
  sync: SearchSyncService,
  opensearch: Client,
  db: CatalogDatabase,
): Promise<void> {
  const document = async (id: number) => {
    const { body } = await opensearch.get({ index: 'products', id: String(id) }, { ignore: [404] });
    const source = body._source as ProductDocument | undefined;
    return source && { title: source.title, category: source.category, tags: source.tags };
  };
  const [product] = await db
    .select({ id: products.id, categoryId: products.categoryId })
    .from(products)
    .where(and(eq(products.active, true), isNull(products.deletedAt)))
    .orderBy(products.id)
    .limit(1);
  const [tagged] = await db.select().from(productTags).where(eq(productTags.productId, product.id)).limit(1);
  console.log(`Product ${product.id} as "products" serves it:`, await document(product.id));

  const stamp = new Date().toISOString().slice(11, 19);
  const [category] = await db
    .update(categories)
    .set({ name: sql`split_part(${categories.name}, ' (renamed', 1) || ${` (renamed ${stamp})`}` })
    .where(eq(categories.id, product.categoryId))
    .returning({ name: categories.name });
  if (tagged) {
    await db
      .update(tags)
      .set({ name: sql`split_part(${tags.name}, ' (renamed', 1) || ${` (renamed ${stamp})`}` })
      .where(eq(tags.id, tagged.tagId));
  }
  // A join row removed: the product loses a tag without its own row changing.
  const [untagged] = await db
    .delete(productTags)
    .where(eq(productTags.productId, product.id + 1))
    .returning({ tagId: productTags.tagId });
  const embedding = await db.$count(
    products,
    and(eq(products.categoryId, product.categoryId), eq(products.active, true), isNull(products.deletedAt)),
  );
  console.log(
    `\n4. Related rows: category ${product.categoryId} renamed "${category.name}"` +
      `${tagged ? `, tag ${tagged.tagId} renamed` : ''}` +
      `${untagged ? `, product ${product.id + 1} lost tag ${untagged.tagId}` : ''}; no product row written.`,
  );

  const result = await sync.sync('products');
  if (result.outcome === 'completed') {
    console.log(
      `products: ${result.report.changes} changes from those three rows, applied to every version.`,
    );
  }
  await opensearch.indices.refresh({ index: 'products_v1,products_v2' });
  // Version 2 is the one that embeds the category's name (v1 has only the tags).
  const { body } = await opensearch.count({
    index: 'products_v2',
    body: { query: { term: { category: category.name } } },
  });
  console.log(`Product ${product.id} now:`, await document(product.id));
  console.log(
    `products_v2 finds the new category name on ${body.count} documents; the database has ${embedding} ` +
      'active products in that category.',
  );
}
