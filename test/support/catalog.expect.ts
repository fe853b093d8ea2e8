import type { Client } from '@opensearch-project/opensearch';
import { isNull } from 'drizzle-orm';
import type { VersionDefinition } from 'search-sync';
import { expect } from 'vitest';
import { products } from '../../src/catalog/catalog.schema.js';
import { type ProductDto, toProductDto } from '../../src/catalog/products.family.js';
import type { TestDatabase } from './test-database.js';
import { readAll } from './test-opensearch.js';

/** What a version must hold: every live product through the version's filter and transform, by id. */
export async function expectedDocuments(
  database: TestDatabase,
  version: VersionDefinition<ProductDto, object>,
) {
  const rows = await database.db.query.products.findMany({
    where: isNull(products.deletedAt),
    with: { category: true, tags: { with: { tag: true } } },
  });
  const expected = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const dto = toProductDto(row);
    if (version.filter && !version.filter(dto)) continue;
    expected.set(String(row.id), version.transform(dto) as Record<string, unknown>);
  }
  return expected;
}

/** Compares each version's index with the source, document by document. */
export async function expectVersionsMatchSource(
  client: Client,
  database: TestDatabase,
  family: string,
  versions: readonly VersionDefinition<ProductDto, object>[],
): Promise<void> {
  for (const version of versions) {
    const actual = await readAll(client, `${family}_v${version.version}`);
    const expected = await expectedDocuments(database, version);
    const missing = [...expected.keys()].filter((id) => !actual.has(id));
    const extra = [...actual.keys()].filter((id) => !expected.has(id));
    expect({ version: version.version, missing: missing.slice(0, 10), extra: extra.slice(0, 10) }).toEqual({
      version: version.version,
      missing: [],
      extra: [],
    });
    expect(actual).toEqual(expected);
  }
}
