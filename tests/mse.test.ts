import { describe, expect, test } from 'vitest';
import { ShapeError } from '../src/kernels/errors';
import { mseLoss } from '../src/kernels/mse.cpu';
import { checkGradients } from './helpers/finite-diff';
import { randn, rng } from './helpers/random';

describe('mseLoss CPU twin', () => {
  for (const [n, target] of [[1, 1], [32, 0], [64, 1], [1000, 0]] as const) {
    test(`dy matches finite differences, N=${n}, target ${target}`, () => {
      const r = rng(n + 3);
      const y = randn(r, n, 0.7, 0.5);
      const dOut = randn(r, 1);
      const dy = new Float64Array(n), loss = new Float64Array(3);
      mseLoss(y, target, dy, loss, 2);
      // L = loss * dOut, so dL/dy = dOut * dy.
      checkGradients({
        label: `mse N=${n}`, rng: r, inputs: { y }, dOut, analytic: { y: dy.map((g) => g * dOut[0]) },
        forward: () => { const l = new Float64Array(1); mseLoss(y, target, new Float64Array(n), l, 0); return l; },
      });
    });
  }

  test('hand-computed values; only loss[slot] is written', () => {
    const y = new Float64Array([1, 3, -1]), dy = new Float64Array(3), loss = new Float64Array([7, 8, 9]);
    mseLoss(y, 1, dy, loss, 1);
    // (0 + 4 + 4) / 3 and 2 (y - 1) / 3.
    expect(loss[1]).toBeCloseTo(8 / 3, 15);
    expect(loss[0]).toBe(7);
    expect(loss[2]).toBe(9);
    expect(Array.from(dy)).toEqual([0, 4 / 3, -4 / 3]);
  });

  test('rejects size mismatch, slot out of range, empty input', () => {
    const y = new Float64Array(4);
    expect(() => mseLoss(y, 1, new Float64Array(3), new Float64Array(3), 0)).toThrow(/mseLoss: dy has 3 values, expected 4/);
    expect(() => mseLoss(y, 1, new Float64Array(4), new Float64Array(3), 3)).toThrow(/slot 3 is outside the loss buffer of 3 values/);
    expect(() => mseLoss(y, 1, new Float64Array(4), new Float64Array(3), -1)).toThrow(ShapeError);
    expect(() => mseLoss(new Float64Array(0), 1, new Float64Array(0), new Float64Array(3), 0)).toThrow(/y has no values/);
    expect(() => mseLoss(y, NaN, new Float64Array(4), new Float64Array(3), 0)).toThrow(/target NaN/);
  });
});
