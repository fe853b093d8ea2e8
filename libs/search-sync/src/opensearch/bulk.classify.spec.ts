import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyItem, isClusterFailure, isPushback } from './bulk.classify.js';

const CLUSTER_FAILURES = [
  'unavailable_shards_exception',
  'no_shard_available_action_exception',
  'cluster_block_exception',
];

describe('classifyItem', () => {
  it('treats a shard that has no copy to write to, or a cluster block, as a failure of the cluster, whatever its status', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CLUSTER_FAILURES),
        fc.constantFrom(403, 429, 500, 503),
        fc.constantFrom('index' as const, 'delete' as const),
        (type, status, action) => {
          const outcome = classifyItem(action, {
            status,
            error: { type, reason: 'primary shard is not active' },
          });
          // Retried like any transient failure, then a stop of the run rather than a dead letter.
          expect(outcome).toMatchObject({ kind: 'retryable', status, errorType: type });
          expect(isClusterFailure(outcome)).toBe(true);
        },
      ),
    );
  });

  it('keeps the failures of one document its own: a mapping error, a rejected pace or a plain 503 is no cluster failure', () => {
    const mapping = classifyItem('index', { status: 400, error: { type: 'mapper_parsing_exception' } });
    expect(mapping).toMatchObject({ kind: 'rejected', status: 400 });
    const pushback = classifyItem('index', { status: 429, error: { type: 'rejected_execution_exception' } });
    expect(isPushback(pushback)).toBe(true);
    const plain = classifyItem('index', { status: 503, error: { type: 'some_transient_exception' } });
    for (const outcome of [mapping, pushback, plain]) expect(isClusterFailure(outcome)).toBe(false);
    expect(classifyItem('index', { status: 403, error: { type: 'security_exception' } })).toMatchObject({
      kind: 'rejected',
    });
  });
});
