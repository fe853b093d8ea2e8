/** Median, spread and percentiles of small samples: every headline figure is one of these. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);

/** Nearest-rank percentile (p in 0..100): always a value that was measured, never an interpolation. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const ordered = sorted(values);
  const rank = Math.ceil((p / 100) * ordered.length);
  return ordered[Math.min(ordered.length, Math.max(1, rank)) - 1];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const ordered = sorted(values);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 === 1 ? ordered[middle] : (ordered[middle - 1] + ordered[middle]) / 2;
}

export function spread(values: readonly number[]): Spread {
  const ordered = sorted(values);
  return {
    median: median(ordered),
    min: ordered[0] ?? Number.NaN,
    max: ordered[ordered.length - 1] ?? Number.NaN,
  };
}

/** Rounds to `digits` decimals, keeping results readable in JSON. */
export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A spread as flat result fields: `name` (the median), `nameMin`, `nameMax`. */
export function spreadFields(name: string, values: readonly number[], digits = 0): Record<string, number> {
  const { median: mid, min, max } = spread(values);
  return {
    [name]: round(mid, digits),
    [`${name}Min`]: round(min, digits),
    [`${name}Max`]: round(max, digits),
  };
}

/** Reads back what `spreadFields` wrote. */
export function spreadOf(result: Readonly<Record<string, unknown>>, name: string): Spread {
  return {
    median: result[name] as number,
    min: (result[`${name}Min`] ?? result[name]) as number,
    max: (result[`${name}Max`] ?? result[name]) as number,
  };
}

export const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
