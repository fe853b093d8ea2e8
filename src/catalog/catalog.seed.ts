import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

const WORDS = [
  'organic',
  'cotton',
  'steel',
  'wireless',
  'compact',
  'premium',
  'classic',
  'waterproof',
  'ergonomic',
  'vintage',
  'portable',
  'rechargeable',
  'handmade',
  'lightweight',
  'durable',
  'modern',
  'bamboo',
  'leather',
  'smart',
  'solar',
  'kitchen',
  'garden',
  'travel',
  'office',
  'outdoor',
  'studio',
  'camping',
  'running',
  'cycling',
  'coffee',
  'lamp',
  'chair',
  'bottle',
  'backpack',
  'speaker',
  'jacket',
  'kettle',
  'blender',
  'headphones',
  'notebook',
  'with',
  'for',
  'and',
  'extra',
  'soft',
  'quiet',
  'fast',
  'warm',
  'bright',
  'strong',
];
const CATEGORIES = [
  'Kitchen',
  'Garden',
  'Electronics',
  'Outdoor',
  'Office',
  'Sports',
  'Home',
  'Travel',
  'Audio',
  'Toys',
];
const TAGS = [
  'new',
  'sale',
  'eco',
  'bestseller',
  'gift',
  'limited',
  'imported',
  'refurbished',
  'bundle',
  'premium',
];

/**
 * Fills the catalog with `products` realistic rows (a category, one to three tags, ~1 KiB of text each),
 * generated inside PostgreSQL so a million rows take seconds rather than a round trip per row.
 * Rows are added after the existing ones, in chunks (one transaction each).
 */
export async function seedCatalog(
  db: PgDatabase<PgQueryResultHKT, any>,
  options: { products: number; chunk?: number; onProgress?: (done: number) => void },
): Promise<void> {
  const words = sql.raw(`array[${WORDS.map((w) => `'${w}'`).join(',')}]`);
  await db.execute(sql`insert into categories (name)
    select name from unnest(${sql.raw(`array[${CATEGORIES.map((c) => `'${c}'`).join(',')}]`)}) as name
    where not exists (select 1 from categories)`);
  await db.execute(sql`insert into tags (name)
    select name from unnest(${sql.raw(`array[${TAGS.map((t) => `'${t}'`).join(',')}]`)}) as name
    on conflict (name) do nothing`);
  const chunk = options.chunk ?? 50_000;
  const [{ start }] = (await db.execute(
    sql`select coalesce(max(id), 0)::int as start from products`,
  )) as unknown as {
    start: number;
  }[];
  for (let done = 0; done < options.products; done += chunk) {
    const from = start + done + 1;
    const to = start + Math.min(options.products, done + chunk);
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into products (id, sku, title, description, price, active, category_id)
        select i,
          'SKU-' || lpad(i::text, 8, '0'),
          initcap(w[1 + (i * 7) % 50] || ' ' || w[1 + (i * 13) % 50] || ' ' || w[31 + i % 10]) || ' ' || i,
          (select string_agg(w[1 + ((i * 31 + j * 17) % 50)], ' ') from generate_series(1, 110) j),
          round((5 + (i * 37 % 49500) / 100.0)::numeric, 2),
          i % 10 <> 0,
          (select min(id) from categories) + i % 10
        from generate_series(${from}::int, ${to}::int) i, (select ${words} as w) vocabulary`);
      await tx.execute(sql`insert into product_tags (product_id, tag_id)
        select i, t.id from generate_series(${from}::int, ${to}::int) i
        join tags t on t.id % 10 = i % 10 or t.id % 10 = (i * 3) % 10 or (i % 4 = 0 and t.id % 10 = (i + 5) % 10)`);
    });
    options.onProgress?.(to - start);
  }
  await db.execute(
    sql`select setval(pg_get_serial_sequence('products', 'id'), (select max(id) from products))`,
  );
  // What autovacuum would do a little later: without statistics, PostgreSQL plans the relational row
  // queries for a tiny table and JIT-compiles them, about a quarter of a second per batch.
  await db.execute(sql`analyze products, product_tags, categories, tags`);
}
