import { SourceRows } from '../capture/source.rows.js';
import { transaction } from '../database/database.transaction.js';
import type { DeadLetterQuery } from '../dead-letters/dead-letter.interface.js';
import { parseDocumentId } from '../keys/document-id.js';
import { documentKey } from '../pipeline/dead-letter.record.js';
import type { DeadLetterRecord, IndexOperation } from '../pipeline/pipeline.interface.js';
import type { FamilyContext } from './family.context.js';
import type { ReplayReport, RunOptions } from './sync.interface.js';

/**
 * Sends dead letters again from the source as it is now (never from the stored copy, which may be
 * stale): present rows go through the family's stages and the version's transform, vanished rows
 * become deletes. Letters that now succeed are resolved; the others are recorded again. Letters of
 * retired versions are left alone; a version whose index is missing refuses the replay.
 */
export async function replayDeadLetters(
  family: FamilyContext,
  query: Omit<DeadLetterQuery, 'family'>,
  options: Pick<RunOptions, 'fence'>,
): Promise<ReplayReport> {
  const { db, name, targets } = family;
  const stored = await family.versions.list(db, name);
  family.bases.update(stored);
  const retired = new Set(stored.filter((v) => v.state === 'retired').map((v) => v.version));
  const letters = (
    await family.deadLetters.list(db, { ...query, family: name, includeResolved: false })
  ).filter((l) => !retired.has(l.version));
  if (letters.length === 0) return { replayed: 0, resolved: 0, failed: 0 };
  await family.indexes.assertOwned(targets.filter((t) => letters.some((l) => l.version === t.version)));
  const { keys } = family.captured;
  const current = await new SourceRows(family.captured).readKeys(
    letters.flatMap((l) => {
      const key = parseDocumentId(keys, l.documentId);
      return key ? [key] : [];
    }),
  );
  const found = new Set(current.map((c) => c.id));
  const versions = new Set(letters.map((l) => l.version));
  const planned = await family.plan(
    current,
    targets.filter((t) => versions.has(t.version)).map((t) => ({ ...t, checkpoint: null })),
  );
  const wanted = new Set(letters.map((l) => documentKey(l.version, l.documentId)));
  const operations: IndexOperation[] = planned.operations.filter((op) =>
    wanted.has(documentKey(op.version, op.id)),
  );
  const failures: DeadLetterRecord[] = planned.deadLetters.filter((d) =>
    wanted.has(documentKey(d.version, d.documentId)),
  );
  for (const letter of letters) {
    const index = targets.find((t) => t.version === letter.version)?.index;
    if (found.has(letter.documentId) || !index) continue;
    operations.push({
      version: letter.version,
      index,
      id: letter.documentId,
      action: 'delete',
      rowVersion: letter.rowVersion,
    });
  }
  const result = await family.loader(operations);
  failures.push(...result.deadLetters);
  const failed = new Set(failures.map((f) => documentKey(f.version, f.documentId)));
  const resolved = letters.filter((l) => !failed.has(documentKey(l.version, l.documentId))).map((l) => l.id);
  await transaction(db, async (tx) => {
    await options.fence?.(tx);
    await family.deadLetters.record(tx, name, failures);
    await family.deadLetters.resolve(tx, resolved);
  });
  return { replayed: letters.length, resolved: resolved.length, failed: failures.length };
}
