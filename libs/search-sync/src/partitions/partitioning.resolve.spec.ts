import { describe, expect, it } from 'vitest';
import { SearchSyncConfigurationError } from '../errors/configuration.error.js';
import type { BackfillOptions } from '../family/backfill-options.interface.js';
import { DEFAULT_PARTITIONING } from './partition.cutter.js';
import { resolvePartitioning } from './partitioning.resolve.js';

const resolve = (own: BackfillOptions | undefined, defaults?: BackfillOptions, exact = true) =>
  resolvePartitioning('products', exact, own, defaults);

describe('resolvePartitioning', () => {
  it("takes the family's own options over the module's, and the defaults for what neither says", () => {
    expect(resolve(undefined)).toBeNull();
    expect(resolve({ partitioned: false }, { partitioned: true })).toBeNull();
    expect(resolve({ partitioned: true })).toEqual(DEFAULT_PARTITIONING);
    expect(resolve({ rowsPerPartition: 10 }, { partitioned: true, minPartitions: 2 })).toEqual({
      rowsPerPartition: 10,
      minPartitions: 2,
    });
  });

  it('refuses every value that is not a positive integer, null included, naming the field', () => {
    const bad: unknown[] = [null, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10'];
    for (const field of ['rowsPerPartition', 'minPartitions'] as const) {
      for (const value of bad) {
        const refused = () => resolve({ partitioned: true, [field]: value as number });
        expect(refused).toThrow(SearchSyncConfigurationError);
        expect(refused).toThrow(`backfill.${field} must be a positive integer (got ${String(value)})`);
      }
    }
  });

  it('refuses a family asking for it without exact capture; a module-wide default leaves that family on one stream', () => {
    expect(() => resolve({ partitioned: true }, undefined, false)).toThrow(SearchSyncConfigurationError);
    expect(resolve(undefined, { partitioned: true }, false)).toBeNull();
  });
});
