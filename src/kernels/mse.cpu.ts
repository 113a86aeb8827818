// CPU twin of mse.ts, written from the math.

import type { Floats } from './floats';
import { checkMseArgs } from './mse';

/** loss[slot] = (1/N) sum (y_i - t)^2, dy_i = d loss / d y_i = 2 (y_i - t) / N. */
export function mseLoss(y: Floats, target: number, dy: Floats, loss: Floats, slot: number): void {
  const n = y.length;
  checkMseArgs('mseLoss', n, dy.length, loss.length, target, slot);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i] - target;
    sum += d * d;
    dy[i] = (2 * d) / n;
  }
  loss[slot] = sum / n;
}
