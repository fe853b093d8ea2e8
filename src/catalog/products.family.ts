import { isNotNull } from 'drizzle-orm';
import type { FamilyDefinition, SourceRow, VersionDefinition } from 'search-sync';
import { catalogSchema, products } from './catalog.schema.js';

/** What the transforms see: a product with its category and tag names. */
export interface ProductDto {
  readonly id: number;
  readonly sku: string;
  readonly title: string;
  readonly description: string;
  readonly price: number;
  readonly active: boolean;
  readonly category: string;
  readonly tags: readonly string[];
}

/** What Drizzle returns for a product loaded with its category and tags. */
export type ProductRow = SourceRow<
  typeof catalogSchema,
  'products',
  { category: { columns: { id: true; name: true } }; tags: { with: { tag: true } } }
>;

export interface ProductV1 {
  readonly sku: string;
  readonly title: string;
  readonly description: string;
  readonly price: number;
  readonly tags: readonly string[];
}

export interface ProductV2 extends ProductV1 {
  readonly category: string;
}

export function toProductDto(row: ProductRow): ProductDto {
  return {
    id: row.id,
    sku: row.sku,
    title: row.title,
    description: row.description,
    price: Number(row.price),
    active: row.active,
    category: row.category.name,
    tags: row.tags.map((t) => t.tag.name),
  };
}

export const productsV1: VersionDefinition<ProductDto, ProductV1> = {
  version: 1,
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: {
    dynamic: 'strict',
    properties: {
      sku: { type: 'keyword' },
      title: { type: 'text' },
      description: { type: 'text' },
      price: { type: 'scaled_float', scaling_factor: 100 },
      tags: { type: 'keyword' },
    },
  },
  transform: (p: ProductDto) => ({
    sku: p.sku,
    title: p.title,
    description: p.description,
    price: p.price,
    tags: p.tags,
  }),
};

export const productsV2: VersionDefinition<ProductDto, ProductV2> = {
  version: 2,
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: {
    dynamic: 'strict',
    properties: {
      sku: { type: 'keyword' },
      title: { type: 'search_as_you_type' },
      description: { type: 'text' },
      price: { type: 'scaled_float', scaling_factor: 100 },
      category: { type: 'keyword' },
      tags: { type: 'keyword' },
    },
  },
  filter: (p: ProductDto) => p.active,
  transform: (p: ProductDto) => ({
    sku: p.sku,
    title: p.title,
    description: p.description,
    price: p.price,
    category: p.category,
    tags: p.tags,
  }),
};

/** The demo family: products with their category and tags, soft-deleted through `deleted_at`. */
export function productsFamily(
  name = 'products',
  versions: readonly VersionDefinition<ProductDto, object>[] = [productsV1, productsV2],
): FamilyDefinition<ProductDto> {
  return {
    name,
    table: products,
    // Only what the documents show: a change to a category's description re-indexes no product.
    with: { category: { columns: { id: true, name: true } }, tags: { with: { tag: true } } },
    softDelete: isNotNull(products.deletedAt),
    normalise: toProductDto,
    versions,
  };
}
