import { describe, expect, it } from 'vitest';
import type { Loader } from '../pipeline/load.stage.js';
import type { IndexOperation } from '../pipeline/pipeline.interface.js';
import { VersionBases } from './version.base.js';

const op = (version: number, rowVersion: number, externalVersion?: number): IndexOperation => ({
  version,
  index: `products_v${version}`,
  id: String(rowVersion),
  action: 'index',
  rowVersion,
  document: {},
  externalVersion,
});

describe('VersionBases', () => {
  const recording = () => {
    const sent: IndexOperation[][] = [];
    const loader: Loader = async (operations) => {
      sent.push([...operations]);
      return {
        deadLetters: [],
        stats: {
          requests: 1,
          bytes: 0,
          succeeded: operations.length,
          alreadyNewer: 0,
          alreadyDeleted: 0,
          retriedItems: 0,
          throttledItems: 0,
          rejected: 0,
        },
      };
    };
    return { sent, loader };
  };

  it('raises the external version of writes to adopted versions by their base, and only theirs', async () => {
    const bases = new VersionBases();
    const { sent, loader } = recording();
    bases.update([
      { version: 1, versionBase: 0 },
      { version: 2, versionBase: 1000 },
    ]);
    await bases.wrap(loader)([op(1, 5), op(2, 5), op(2, 6, 7)]);
    expect(sent[0].map((o) => [o.version, o.rowVersion, o.externalVersion])).toEqual([
      [1, 5, undefined],
      [2, 5, 1005],
      [2, 6, 1007],
    ]);
  });

  it('follows the stored bases at each update', async () => {
    const bases = new VersionBases();
    const { sent, loader } = recording();
    const load = bases.wrap(loader);
    bases.update([{ version: 1, versionBase: 50 }]);
    await load([op(1, 1)]);
    bases.update([{ version: 1, versionBase: 0 }]);
    await load([op(1, 1)]);
    expect(sent.map((ops) => ops[0].externalVersion)).toEqual([51, undefined]);
  });
});
