export { IndexVersion, type IndexVersionOptions } from './index-version.decorator.js';
export { SearchIndex, type SearchIndexOptions, type SearchIndexSchedule } from './search-index.decorator.js';
