import { round, type Spread } from './bench.stats.js';

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return round(value, digits).toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `median (min–max)`, or the single value when the samples agree once rounded (or there was one). */
export function formatSpread(value: Spread, digits = 0): string {
  const [median, min, max] = [value.median, value.min, value.max].map((v) => formatNumber(v, digits));
  return min === max ? median : `${median} (${min}–${max})`;
}

export function formatShare(value: number): string {
  return `${formatNumber(value * 100, 1)} %`;
}
