import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSeconds, renderTable } from './table.render.js';

describe('table rendering', () => {
  it('pads every column to its widest cell, with a rule under the header', () => {
    expect(
      renderTable(
        ['version', 'state'],
        [
          ['1', 'serving'],
          ['12', 'backfilling'],
        ],
      ),
    ).toBe(['version  state', '-------  -----------', '1        serving', '12       backfilling'].join('\n'));
  });

  it('starts every column at the same offset on every line', () => {
    const word = fc.stringMatching(/^[a-z0-9]{1,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(word, word, word), { maxLength: 8 }), (rows) => {
        const lines = renderTable(['a', 'b', 'c'], rows).split('\n');
        const offsets = (line: string, cells: readonly string[]) => {
          let from = 0;
          return cells.map((c) => {
            const at = line.indexOf(c, from);
            from = at + c.length;
            return at;
          });
        };
        const header = offsets(lines[0], ['a', 'b', 'c']);
        for (const [i, row] of rows.entries()) expect(offsets(lines[i + 2], row)).toEqual(header);
      }),
    );
  });

  it('formats durations as people read them', () => {
    expect([formatSeconds(0), formatSeconds(42.4), formatSeconds(185), formatSeconds(3720)]).toEqual([
      '0s',
      '42s',
      '3m 05s',
      '1h 02m',
    ]);
  });
});
