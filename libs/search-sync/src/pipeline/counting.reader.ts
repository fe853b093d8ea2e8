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
    horizon: () => reader.horizon(),
    readTombstones: (after, horizon, upTo, limit) => reader.readTombstones(after, horizon, upTo, limit),
    async readRows(after, horizon, limit) {
      const started = performance.now();
      try {
        return await reader.readRows(after, horizon, limit);
      } finally {
        counter.rowQueries++;
        counter.rowQueryMs += performance.now() - started;
      }
    },
  };
}
