import type { ChangeReader } from './extract.stage.js';

export interface ReadCounter {
  rowQueries: number;
  rowQueryMs: number;
}

/** A reader that counts its row queries and their time: reads per batch and database time, per cursor group. */
export function countingReader(reader: ChangeReader, counter: ReadCounter): ChangeReader {
  return {
    keys: reader.keys,
    tombstones: reader.tombstones,
    bound: () => reader.bound(),
    readTombstones: (after, scope, upTo, limit) => reader.readTombstones(after, scope, upTo, limit),
    async readRows(after, scope, limit) {
      const started = performance.now();
      try {
        return await reader.readRows(after, scope, limit);
      } finally {
        counter.rowQueries++;
        counter.rowQueryMs += performance.now() - started;
      }
    },
  };
}
