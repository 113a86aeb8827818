// CPU twin of reduce.ts.

import type { Floats } from './floats';

/** out[c] = sum_m x[m, c] for x viewed as [M, C], C = out.length: a bias gradient. */
export function channelSum(x: Floats, out: Floats): void {
  const C = out.length;
  out.fill(0);
  for (let i = 0; i < x.length; i++) out[i % C] += x[i];
}

/** out[i] = sum_s x[s, i] for x viewed as [S, out.length]: split-K partial sums added up. */
export function splitSum(x: Floats, out: Floats): void {
  const n = out.length;
  out.fill(0);
  for (let s = 0; s < x.length / n; s++) for (let i = 0; i < n; i++) out[i] += x[s * n + i];
}
