import type { VersionDefinition } from 'search-sync';
import { type ProductDto, productsV1, productsV2 } from '../src/catalog/products.family.js';

const SETTINGS = { number_of_shards: 1, number_of_replicas: 0 };

/**
 * `count` versions numbered 1..count, alternating the demo's two shapes (v2 also filters out inactive
 * products, which become deletes): realistic documents of about 1 KiB, all with the same index settings.
 */
export function productVersions(count: number): VersionDefinition<ProductDto, object>[] {
  return Array.from({ length: count }, (_, i) => ({
    ...(i % 2 === 0 ? productsV1 : productsV2),
    version: i + 1,
    settings: SETTINGS,
  }));
}

/** Version 2 alone (active products, with their category): the shape the peer comparison indexes. */
export const productsV2Version: VersionDefinition<ProductDto, object> = { ...productsV2, settings: SETTINGS };

/** The memory case's version: the full row is still read, but the document is tiny, so bulk work stays short. */
export const tinyVersion: VersionDefinition<ProductDto, { sku: string }> = {
  version: 1,
  settings: SETTINGS,
  mappings: { dynamic: 'strict', properties: { sku: { type: 'keyword' } } },
  transform: (p) => ({ sku: p.sku }),
};

/** `bench_<parts>_<run id>`: lowercase identifier, and a prefix that marks every index this bench owns. */
export function familyName(runId: string, ...parts: (string | number)[]): string {
  return ['bench', ...parts, runId].join('_');
}
