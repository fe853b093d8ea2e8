import type { Client } from '@opensearch-project/opensearch';

export interface IndexDefinition {
  readonly index: string;
  readonly mappings?: Record<string, unknown>;
  readonly settings?: Record<string, unknown>;
}

/** Creates a version's index with its mappings and settings unless it exists; concurrent creators are fine. */
export async function ensureIndex(client: Client, definition: IndexDefinition): Promise<boolean> {
  const exists = await client.indices.exists({ index: definition.index });
  if (exists.body) return false;
  try {
    await client.indices.create({
      index: definition.index,
      body: { mappings: definition.mappings ?? {}, settings: definition.settings ?? {} } as never,
    });
    return true;
  } catch (error) {
    const type = (error as { body?: { error?: { type?: string } } }).body?.error?.type;
    if (type === 'resource_already_exists_exception') return false;
    throw error;
  }
}
