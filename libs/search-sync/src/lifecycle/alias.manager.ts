import type { Client } from '@opensearch-project/opensearch';

/** Where the family's alias really points, beside the version this state records as serving. */
export interface AliasStatus {
  readonly alias: string;
  /** The indexes it points at now (none if it does not exist). */
  readonly indexes: readonly string[];
  readonly serving: { readonly version: number; readonly index: string } | null;
  /** Whether it points at the serving version's index alone (or, with none serving, at nothing). */
  readonly matches: boolean;
}

/** The indexes an alias points at now (none if it does not exist). */
export async function aliasTargets(client: Client, alias: string): Promise<string[]> {
  const response = await client.indices.getAlias({ name: alias }, { ignore: [404] });
  if (response.statusCode === 404) return [];
  return Object.keys(response.body as Record<string, unknown>);
}

/**
 * Points the alias at `index` and away from every other index, in one `_aliases` request: searches
 * see the old target or the new one, never neither.
 */
export async function pointAlias(client: Client, alias: string, index: string): Promise<void> {
  const current = await aliasTargets(client, alias);
  const actions = [
    ...current.filter((name) => name !== index).map((name) => ({ remove: { index: name, alias } })),
    { add: { index, alias } },
  ];
  await client.indices.updateAliases({ body: { actions } });
}
