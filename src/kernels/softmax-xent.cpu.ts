// CPU twin of softmax-xent.ts, written from the math.

import type { Floats } from './floats';
import { checkSoftmaxXentArgs } from './softmax-xent';

/**
 * z is N rows of K logits (N = labels.length). With p = softmax(z[n]):
 *   loss[slot] = (1/N) sum_n -log p[label[n]],   dz[n,k] = (p[k] - [k == label[n]]) / N.
 * A label outside [0, K) gives a NaN loss, as the kernel does.
 */
export function softmaxCrossEntropy(z: Floats, labels: ArrayLike<number>, dz: Floats, loss: Floats, slot: number): void {
  const n = labels.length, k = z.length / n;
  checkSoftmaxXentArgs('softmaxCrossEntropy', n, k, dz.length, loss.length, slot);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, z[r * k + j]);
    let e = 0;
    for (let j = 0; j < k; j++) e += Math.exp(z[r * k + j] - m);
    const lse = m + Math.log(e), y = labels[r];
    const valid = Number.isInteger(y) && y >= 0 && y < k;
    sum += valid ? lse - z[r * k + y] : NaN;
    for (let j = 0; j < k; j++) dz[r * k + j] = (Math.exp(z[r * k + j] - lse) - (j === y ? 1 : 0)) / n;
  }
  loss[slot] = sum / n;
}

/** Row-wise softmax probabilities of N rows of K logits (the judge's confidence). */
export function softmaxRows(z: ArrayLike<number>, k: number, out: Floats): void {
  for (let r = 0; r * k < z.length; r++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, z[r * k + j]);
    let e = 0;
    for (let j = 0; j < k; j++) e += Math.exp(z[r * k + j] - m);
    for (let j = 0; j < k; j++) out[r * k + j] = Math.exp(z[r * k + j] - m) / e;
  }
}
