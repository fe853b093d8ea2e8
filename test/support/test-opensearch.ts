import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';

export const OPENSEARCH_URL = process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200';

export function createClient(): Client {
  return new Client({ node: OPENSEARCH_URL });
}

/** A name no other test uses, for families and indexes: tests share one node. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString('hex')}`;
}

/** Every document of an index, by id (refreshes first so the last writes are visible). */
export async function readAll(client: Client, index: string): Promise<Map<string, Record<string, unknown>>> {
  await client.indices.refresh({ index });
  const documents = new Map<string, Record<string, unknown>>();
  let response = await client.search({
    index,
    scroll: '1m',
    size: 5000,
    body: { query: { match_all: {} }, sort: ['_doc'] },
  });
  while (response.body.hits.hits.length > 0) {
    for (const hit of response.body.hits.hits)
      documents.set(hit._id!, hit._source as Record<string, unknown>);
    response = await client.scroll({ scroll_id: response.body._scroll_id!, scroll: '1m' });
  }
  await client.clearScroll({ scroll_id: response.body._scroll_id! });
  return documents;
}

/** The indexes an alias points at (none if it does not exist), read from the cluster, not through the library. */
export async function aliasTargets(client: Client, alias: string): Promise<string[]> {
  const response = await client.indices.getAlias({ name: alias }, { ignore: [404] });
  if (response.statusCode === 404) return [];
  return Object.keys(response.body as Record<string, unknown>);
}

export async function deleteIndexes(client: Client, pattern: string): Promise<void> {
  await client.indices.delete({ index: pattern, ignore_unavailable: true, expand_wildcards: 'all' } as never);
}
