// Summaries of repeated measurements.

import type { Spread } from './types';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** GFLOP/s (or GB/s) from a count and milliseconds: count / (ms * 1e6). */
export function ratePerMs(count: number, ms: number): number {
  return ms > 0 ? count / ms / 1e6 : NaN;
}
