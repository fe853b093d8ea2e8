import type { BenchCase } from '../bench.case.js';

/**
 * Reserved: the migration issue (backfilling a new version while the live ones stay in sync) has not
 * landed, so there is nothing to measure yet. It is recorded as such rather than left out or estimated.
 */
export const migrationCase: BenchCase = {
  name: 'migration',

  async run() {
    return [{ case: 'migration', status: 'not available yet' }];
  },

  tables(results) {
    return [
      {
        title: 'Migration',
        headers: ['status'],
        rows: results.map((r) => [String(r.status)]),
        note: 'Measured once the migration feature lands: add it to the case list in bench/main.ts.',
      },
    ];
  },
};
