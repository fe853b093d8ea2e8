import { randomBytes } from 'node:crypto';
import type { Client, Types } from '@opensearch-project/opensearch';
import type { KeyFieldType } from '../keys/key.field.js';
import { BulkLoader, type BulkLoaderOptions } from '../opensearch/bulk.loader.js';
import type { IndexDefinition } from '../opensearch/index.manager.js';
import { syncFieldMapping } from '../opensearch/index.manager.js';
import type { DeadLetterRecord, IndexOperation } from '../pipeline/pipeline.interface.js';

/** What the trial index made of the documents: those its mapping refused, and how long loading took. */
export interface TrialResult {
  readonly rejected: readonly DeadLetterRecord[];
  readonly loadMs: number;
}

/**
 * Loads documents into a throwaway index built from a version's mappings and settings (with the
 * library's own field, as the real index has it), through the same bulk loader as a run, and deletes
 * the index whatever happens: which documents would its mapping refuse, and how fast do they load.
 */
export async function tryInTrialIndex(
  client: Client,
  definition: IndexDefinition,
  keyField: KeyFieldType,
  operations: readonly IndexOperation[],
  bulk: Partial<BulkLoaderOptions> = {},
): Promise<TrialResult> {
  const index = `${definition.index}_plan_${randomBytes(4).toString('hex')}`;
  const mappings = definition.mappings ?? {};
  const properties = (mappings.properties as Record<string, Types.Common_Mapping.Property> | undefined) ?? {};
  await client.indices.create({
    index,
    body: {
      mappings: { ...mappings, properties: { ...properties, ...syncFieldMapping(keyField) } },
      settings: trialSettings(definition.settings),
    },
  });
  try {
    const started = performance.now();
    const { deadLetters } = await new BulkLoader(client, bulk).load(
      operations.map((op) => ({ ...op, index })),
    );
    return { rejected: deadLetters, loadMs: performance.now() - started };
  } finally {
    await client.indices.delete({ index }, { ignore: [404] });
  }
}

/** The declared settings, with no replica to copy to and no refresh: nothing searches a trial index. */
function trialSettings(declared: Record<string, unknown> = {}): Record<string, unknown> {
  const trial = { number_of_replicas: 0, refresh_interval: '-1' };
  const nested = declared.index as Record<string, unknown> | undefined;
  // Declared under `index` or at the top, but never both: OpenSearch refuses a setting given twice.
  if (nested && typeof nested === 'object') return { ...declared, index: { ...nested, ...trial } };
  return { ...declared, ...trial };
}
