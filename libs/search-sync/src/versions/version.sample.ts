import { createHash } from 'node:crypto';
import type { SourceRows } from '../capture/source.rows.js';
import { canonical } from '../family/definition.hash.js';
import { WHOLE_KEY_SPACE } from '../keys/key.range.js';
import type { KeyValue } from '../pipeline/change-position.js';
import type { PlannedBatch, SourceChange } from '../pipeline/pipeline.interface.js';

/** What a version's pipeline made of one source row at one row version. */
export interface SampledDocument {
  readonly key: readonly KeyValue[];
  readonly rowVersion: number;
  /** Hash of the document (or `delete` when the filter left the row out, `error:<type>` when it threw). */
  readonly hash: string;
}

/** The pipeline of one version, from source rows to the documents it writes. */
export type VersionPlan = (rows: readonly SourceChange<unknown>[]) => Promise<PlannedBatch>;

/** Rows sampled when a version is created: enough to notice a changed helper, cheap to redo at bootstrap. */
export const SAMPLE_SIZE = 20;

const hashOf = (value: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');

async function documents(
  rows: readonly SourceChange<unknown>[],
  plan: VersionPlan,
): Promise<SampledDocument[]> {
  const planned = await plan(rows);
  const outcome = new Map<string, string>();
  for (const op of planned.operations)
    outcome.set(op.id, op.action === 'index' ? hashOf(op.document) : 'delete');
  for (const letter of planned.deadLetters) outcome.set(letter.documentId, `error:${letter.errorType}`);
  return rows.map((row) => ({
    key: row.key,
    rowVersion: row.rowVersion,
    hash: outcome.get(row.id) ?? 'none',
  }));
}

/** What the version makes now of the first rows in key order: stored when the version is created. */
export async function takeSample(reader: SourceRows, plan: VersionPlan): Promise<SampledDocument[]> {
  const rows = await reader.readKeyRange(WHOLE_KEY_SPACE, null, SAMPLE_SIZE);
  return documents(
    rows.filter((row) => !row.deleted),
    plan,
  );
}

/**
 * The first sampled row whose document differs now from the one stored with the version, among the
 * rows still at the same row version (a row written since may rightly give another document), or null.
 */
export async function changedSample(
  reader: SourceRows,
  plan: VersionPlan,
  stored: readonly SampledDocument[],
): Promise<{ readonly key: readonly KeyValue[] } | null> {
  if (stored.length === 0) return null;
  const current = await reader.readKeys(stored.map((s) => s.key));
  const unchanged = new Map(stored.map((s) => [JSON.stringify(s.key), s]));
  const rows = current.filter((row) => unchanged.get(JSON.stringify(row.key))?.rowVersion === row.rowVersion);
  for (const now of await documents(rows, plan)) {
    if (unchanged.get(JSON.stringify(now.key))?.hash !== now.hash) return { key: now.key };
  }
  return null;
}
