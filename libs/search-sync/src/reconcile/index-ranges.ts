import type { Client } from '@opensearch-project/opensearch';
import { documentHash } from '../family/definition.hash.js';
import { keyFieldValue } from '../keys/key.field.js';
import type { KeyRange } from '../keys/key.range.js';
import type { KeyColumn } from '../keys/key.types.js';
import { SYNC_FIELD } from '../opensearch/index.manager.js';
import type { RangeStats } from './reconcile.interface.js';

const KEY_FIELD = `${SYNC_FIELD}.key`;
const VERSION_FIELD = `${SYNC_FIELD}.version`;

/** What reconcile needs of one document: its OpenSearch version and the row version it was written from. */
export interface IndexedDocument {
  readonly version: number;
  readonly rowVersion?: number;
  /** The hash of its `_source` (see `documentHash`), when read for a content comparison. */
  readonly hash?: string;
}

/**
 * The index side of reconcile: the same key ranges as the source side, selected on the library's key
 * field (whose order is the key's SQL order, see `keys/key.field.ts`).
 */
export class IndexRanges {
  constructor(
    private readonly client: Client,
    private readonly keys: readonly KeyColumn[],
  ) {}

  /** A query for the documents whose key lies in `range`. */
  inRange(range: KeyRange): Record<string, unknown> {
    const bounds: Record<string, unknown> = {};
    if (range.after) bounds.gt = keyFieldValue(this.keys, range.after);
    if (range.upTo) bounds.lte = keyFieldValue(this.keys, range.upTo);
    return Object.keys(bounds).length > 0
      ? { range: { [KEY_FIELD]: bounds } }
      : { exists: { field: KEY_FIELD } };
  }

  /** Count and row-version sum per range, leaving the `excluded` ids out: one search, a bucket per range. */
  async stats(
    index: string,
    ranges: readonly KeyRange[],
    excluded: ReadonlySet<string>,
  ): Promise<RangeStats[]> {
    const filters = Object.fromEntries(ranges.map((range, i) => [String(i), this.inRange(range)]));
    const response = await this.client.search({
      index,
      body: {
        size: 0,
        query: without(excluded, { match_all: {} }),
        aggs: { ranges: { filters: { filters }, aggs: { versions: { sum: { field: VERSION_FIELD } } } } },
      },
    });
    const buckets = (
      response.body.aggregations as {
        ranges: { buckets: Record<string, { doc_count: number; versions: { value: number } }> };
      }
    ).ranges.buckets;
    return ranges.map((_, i) => ({ count: buckets[i].doc_count, sum: buckets[i].versions.value }));
  }

  /** How many documents the index holds, the `excluded` ids left out, with the key field or not. */
  async count(index: string, excluded: ReadonlySet<string>): Promise<number> {
    const response = await this.client.count({
      index,
      body: { query: without(excluded, { match_all: {} }) },
    });
    return response.body.count as number;
  }

  /**
   * Every document matching `query`, by id (scrolled, so a range of any size is read whole), with the
   * hash of its content when `content` is set (only the hash is kept, so memory stays per document small).
   */
  async documents(
    index: string,
    query: Record<string, unknown>,
    content = false,
  ): Promise<Map<string, IndexedDocument>> {
    const documents = new Map<string, IndexedDocument>();
    let response = await this.client.search({
      index,
      scroll: '1m',
      body: {
        query,
        size: 1000,
        _source: content,
        version: true,
        docvalue_fields: [VERSION_FIELD],
        sort: ['_doc'],
      },
    });
    try {
      for (;;) {
        const hits = response.body.hits.hits as {
          _id: string;
          _version: number;
          _source?: unknown;
          fields?: Record<string, number[]>;
        }[];
        if (hits.length === 0) return documents;
        for (const hit of hits) {
          documents.set(hit._id, {
            version: hit._version,
            rowVersion: hit.fields?.[VERSION_FIELD]?.[0],
            ...(content ? { hash: documentHash(hit._source) } : {}),
          });
        }
        response = await this.client.scroll({ scroll_id: response.body._scroll_id!, scroll: '1m' });
      }
    } finally {
      if (response.body._scroll_id)
        await this.client.clearScroll({ scroll_id: response.body._scroll_id }).catch(() => {});
    }
  }

  /** Documents without the library's key field: written behind its back, compared by id. */
  untracked(index: string): Promise<Map<string, IndexedDocument>> {
    return this.documents(index, { bool: { must_not: { exists: { field: KEY_FIELD } } } });
  }
}

const without = (excluded: ReadonlySet<string>, query: Record<string, unknown>) =>
  excluded.size > 0 ? { bool: { must: query, must_not: { ids: { values: [...excluded] } } } } : query;
