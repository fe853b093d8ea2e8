import { Injectable } from '@nestjs/common';
import { IndexVersion, SearchIndex, type SourceRow } from 'search-sync';
import { type catalogSchema, categories } from './catalog.schema.js';

type CategoryRow = SourceRow<typeof catalogSchema, 'categories'>;

export interface CategoryDocument {
  readonly name: string;
  readonly description: string;
}

/** A second, smaller family: categories for a category picker, on a cron schedule. */
@SearchIndex<CategoryRow>('categories', { source: categories, schedule: { cron: '*/10 * * * * *' } })
@Injectable()
export class CategoriesIndex {
  @IndexVersion<CategoryRow, CategoryDocument>(1, {
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: { properties: { name: { type: 'search_as_you_type' }, description: { type: 'text' } } },
  })
  v1(category: CategoryRow): CategoryDocument {
    return { name: category.name, description: category.description };
  }
}
