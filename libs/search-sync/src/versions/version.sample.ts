import type { SourceRows } from '../capture/source.rows.js';
import { documentHash } from '../family/definition.hash.js';
import type { SourceChange } from '../family/stage.interface.js';
import { documentId } from '../keys/document-id.js';
import { WHOLE_KEY_SPACE } from '../keys/key.range.js';
import type { KeyValue } from '../keys/key.types.js';
import type { PlannedBatch } from '../pipeline/pipeline.interface.js';
import type { SampledDocument } from '../state/tables/version.table.js';
import { decodeSampleInput, encodeSampleInput } from './sample-input.codec.js';

/** The pipeline of one version, from source rows to the documents it writes. */
export type VersionPlan = (rows: readonly SourceChange<unknown>[]) => Promise<PlannedBatch>;

/** Rows sampled when a version is created: enough to notice a changed helper, cheap to redo at bootstrap. */
export const SAMPLE_SIZE = 20;

/** The outcome of each row, by document id. */
async function outcomes(
  rows: readonly SourceChange<unknown>[],
  plan: VersionPlan,
): Promise<Map<string, string>> {
  const planned = await plan(rows);
  const outcome = new Map<string, string>();
  for (const op of planned.operations)
    outcome.set(op.id, op.action === 'index' ? documentHash(op.document) : 'delete');
  for (const letter of planned.deadLetters) outcome.set(letter.documentId, `error:${letter.errorType}`);
  return outcome;
}

const replayed = (sample: SampledDocument, record: unknown): SourceChange<unknown> => ({
  id: documentId(sample.key),
  key: sample.key,
  position: { changeKey: 0, key: sample.key },
  rowVersion: sample.rowVersion,
  deleted: false,
  record,
});

/**
 * What the version makes now of the first rows in key order, with those rows: stored when the version is
 * created. A row whose stored copy would not give back the same document (a custom column type the codec
 * cannot rebuild) is left out, so the stored sample alone decides at bootstrap.
 */
export async function takeSample(reader: SourceRows, plan: VersionPlan): Promise<SampledDocument[]> {
  const rows = (await reader.readKeyRange(WHOLE_KEY_SPACE, null, SAMPLE_SIZE)).filter((row) => !row.deleted);
  const made = await outcomes(rows, plan);
  const sample = rows.map((row) => ({
    key: row.key,
    rowVersion: row.rowVersion,
    hash: made.get(row.id) ?? 'none',
    input: encodeSampleInput(row.record),
  }));
  const again = await outcomes(
    sample.map((s) => replayed(s, decodeSampleInput(s.input))),
    plan,
  );
  return sample.filter((s) => (again.get(documentId(s.key)) ?? 'none') === s.hash);
}

/** Whether a stored sample keeps its rows (samples of library versions before 0.3 kept only hashes). */
export const keepsInputs = (sample: readonly SampledDocument[]): boolean =>
  sample.length > 0 && sample.every((s) => s.input !== undefined);

/**
 * The first sampled row whose document the version makes differently now from the same stored row, or
 * null. It tests the code, never the data: the rows are the stored copies, whatever the database holds
 * today (a related row renamed since does not count).
 */
export async function changedSample(
  plan: VersionPlan,
  stored: readonly SampledDocument[],
): Promise<{ readonly key: readonly KeyValue[] } | null> {
  const kept = stored.filter((s): s is SampledDocument & { input: string } => s.input !== undefined);
  const now = await outcomes(
    kept.map((s) => replayed(s, decodeSampleInput(s.input))),
    plan,
  );
  const changed = kept.find((s) => (now.get(documentId(s.key)) ?? 'none') !== s.hash);
  return changed ? { key: changed.key } : null;
}
