import { Injectable } from '@nestjs/common';
import { isNotNull } from 'drizzle-orm';
import { IndexVersion, SearchIndex, type SearchIndexOptions } from 'search-sync';
import { products } from './catalog.schema.js';
import {
  type ProductDto,
  type ProductRow,
  type ProductV1,
  type ProductV2,
  productsV1,
  productsV2,
  toProductDto,
} from './products.family.js';

/** The products family's source and normaliser, shared by both deployments (and by the tests' families). */
export const productsIndexOptions: SearchIndexOptions<ProductRow, ProductDto> = {
  source: products,
  // Only what the documents show: a change to a category's description re-indexes no product.
  with: { category: { columns: { id: true, name: true } }, tags: { with: { tag: true } } },
  softDelete: isNotNull(products.deletedAt),
  normalise: toProductDto,
  schedule: { every: 5000 },
};

/**
 * The family as the application declared it before v2 existed: the demo boots it first, so v2 arrives
 * the way it does in production, by deploying code that adds a version beside a live one.
 */
@SearchIndex<ProductRow, ProductDto>('products', productsIndexOptions)
@Injectable()
export class ProductsV1Index {
  @IndexVersion<ProductDto, ProductV1>(1, { mappings: productsV1.mappings, settings: productsV1.settings })
  v1(product: ProductDto): ProductV1 {
    return productsV1.transform(product);
  }
}

/** The demo family declared the Nest way: products with their category and tags, in two versions. */
@SearchIndex<ProductRow, ProductDto>('products', productsIndexOptions)
@Injectable()
export class ProductsIndex extends ProductsV1Index {
  /** Adds a search-as-you-type title and the category name; inactive products are left out. */
  @IndexVersion<ProductDto, ProductV2>(2, {
    mappings: productsV2.mappings,
    settings: productsV2.settings,
    filter: productsV2.filter,
  })
  v2(product: ProductDto): ProductV2 {
    return productsV2.transform(product);
  }
}
