import { describe, expect, it } from 'vitest';
import type { VersionState } from '../state/tables/version.table.js';
import { cursorGroups } from './cursor-groups.js';

describe('cursorGroups', () => {
  it('makes at most two groups whatever the number of versions, and leaves retired versions out', () => {
    const states: VersionState[] = [
      'serving',
      'live',
      'live',
      'backfilling',
      'created',
      'retired',
      'backfilling',
    ];
    const versions = states.map((state, i) => ({ version: i + 1, state }));
    const groups = cursorGroups(versions);
    expect(groups.live.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(groups.backfill.map((v) => v.version)).toEqual([4, 5, 7]);
  });
});
