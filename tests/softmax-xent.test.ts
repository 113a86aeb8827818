import { describe, expect, test } from 'vitest';
import { softmaxCrossEntropy, softmaxRows } from '../src/kernels/softmax-xent.cpu';
import { checkGradients } from './helpers/finite-diff';
import { randn, rng } from './helpers/random';

const labelsFor = (r: () => number, n: number, k: number) => Array.from({ length: n }, () => Math.floor(r() * k));

describe('softmaxCrossEntropy CPU twin', () => {
  // 1 row; the judge's 10 classes at a training batch; an odd K; more rows than one workgroup.
  for (const [n, k] of [[1, 10], [64, 10], [7, 3], [300, 10]] as const) {
    test(`dz matches finite differences, N=${n}, K=${k}`, () => {
      const r = rng(17 * n + k);
      const z = randn(r, n * k, 3);
      const labels = labelsFor(r, n, k);
      const dOut = randn(r, 1);
      const dz = new Float64Array(n * k), loss = new Float64Array(2);
      softmaxCrossEntropy(z, labels, dz, loss, 1);
      checkGradients({
        label: `softmax-xent N=${n} K=${k}`, rng: r, inputs: { z }, dOut, analytic: { z: dz.map((g) => g * dOut[0]) },
        forward: () => { const l = new Float64Array(1); softmaxCrossEntropy(z, labels, new Float64Array(n * k), l, 0); return l; },
      });
    });
  }

  test('hand-computed values; only loss[slot] is written; each row of dz sums to 0', () => {
    // Row 0: equal logits, p = 1/2, loss log 2. Row 1: logits (0, log 3), label 1: p = 3/4.
    const z = new Float64Array([5, 5, 0, Math.log(3)]);
    const dz = new Float64Array(4), loss = new Float64Array([7, 8, 9]);
    softmaxCrossEntropy(z, [0, 1], dz, loss, 2);
    expect(loss[2]).toBeCloseTo((Math.log(2) - Math.log(3 / 4)) / 2, 14);
    expect([loss[0], loss[1]]).toEqual([7, 8]);
    const want = [(0.5 - 1) / 2, 0.5 / 2, 0.25 / 2, (0.75 - 1) / 2];
    want.forEach((w, i) => expect(dz[i]).toBeCloseTo(w, 15));
    expect(Math.abs(dz[0] + dz[1]) + Math.abs(dz[2] + dz[3])).toBeLessThan(1e-16);
  });

  test('extreme logits stay finite (max subtracted); a confident right answer costs ~0', () => {
    const z = new Float64Array([1000, -1000, 0, -1000, 1000, 0]);
    const dz = new Float64Array(6), loss = new Float64Array(1);
    softmaxCrossEntropy(z, [0, 2], dz, loss, 0);
    // Row 0 right (loss ~0), row 1 wrong by 1000.
    expect(loss[0]).toBeCloseTo(1000 / 2, 9);
    expect(dz.every(Number.isFinite)).toBe(true);
  });

  test('a label outside [0, K) gives a NaN loss, as the kernel does', () => {
    const loss = new Float64Array(1);
    softmaxCrossEntropy(new Float64Array(6), [0, 3], new Float64Array(6), loss, 0);
    expect(Number.isNaN(loss[0])).toBe(true);
  });

  test('rejects sizes that are not N x K, a wrong dz, a slot out of range', () => {
    expect(() => softmaxCrossEntropy(new Float64Array(7), [0, 1], new Float64Array(7), new Float64Array(1), 0)).toThrow(/7 logits for 2 labels is not N rows of K >= 2 classes/);
    expect(() => softmaxCrossEntropy(new Float64Array(6), [0, 1], new Float64Array(5), new Float64Array(1), 0)).toThrow(/dz has 5 values, expected 6/);
    expect(() => softmaxCrossEntropy(new Float64Array(6), [0, 1], new Float64Array(6), new Float64Array(1), 1)).toThrow(/slot 1 is outside the loss buffer of 1 values/);
    expect(() => softmaxCrossEntropy(new Float64Array(0), [], new Float64Array(0), new Float64Array(1), 0)).toThrow(/no rows/);
  });

  test('softmaxRows: rows sum to 1, and match exp(z - logsumexp)', () => {
    const r = rng(5);
    const z = randn(r, 30, 4), p = new Float64Array(30);
    softmaxRows(z, 10, p);
    for (let row = 0; row < 3; row++) {
      let s = 0;
      for (let j = 0; j < 10; j++) s += p[row * 10 + j];
      expect(Math.abs(s - 1)).toBeLessThan(1e-15);
    }
  });
});
