// CPU twin of reduce.ts.

import type { Floats } from './floats';

/** out[c] = sum_m x[m, c] for x viewed as [M, C], C = out.length: a bias gradient. */
export function channelSum(x: Floats, out: Floats): void {
  const C = out.length;
  out.fill(0);
  for (let i = 0; i < x.length; i++) out[i % C] += x[i];
}
