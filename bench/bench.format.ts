import { round, type Spread } from './bench.stats.js';

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return round(value, digits).toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `median (min–max)`, or the single value when the samples agree (or there was one). */
export function formatSpread(value: Spread, digits = 0): string {
  const f = (v: number) => formatNumber(v, digits);
  return value.min === value.max ? f(value.median) : `${f(value.median)} (${f(value.min)}–${f(value.max)})`;
}

export function formatShare(value: number): string {
  return `${formatNumber(value * 100, 1)} %`;
}
