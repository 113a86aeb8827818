import { describe, expect, test } from 'vitest';
import type { Activation } from '../src/kernels/activation';
import { activationBackward, activationForward } from '../src/kernels/activation.cpu';
import { checkGradients } from './helpers/finite-diff';
import { randn, rng } from './helpers/random';

const ACTS: Activation[] = ['relu', 'leaky_relu', 'tanh'];

describe('activation CPU twins', () => {
  for (const act of ACTS) {
    test(`${act} backward matches finite differences`, () => {
      const r = rng(7);
      // Keep inputs away from the kink at 0, where the derivative is one-sided.
      const x = randn(r, 257, 2).map((v) => (Math.abs(v) < 1e-3 ? v + 0.01 : v));
      const dOut = randn(r, x.length);
      const y = new Float64Array(x.length), dx = new Float64Array(x.length);
      activationForward(act, x, y);
      activationBackward(act, y, dOut, dx);
      checkGradients({
        label: act, rng: r, inputs: { x }, dOut, analytic: { x: dx },
        forward: () => { const o = new Float64Array(x.length); activationForward(act, x, o); return o; },
      });
    });
  }

  test('values at the kink and at the extremes follow TensorFlow', () => {
    const x = new Float64Array([0, -0, 300, -300, -1, 2]);
    const y = new Float64Array(6), dx = new Float64Array(6), dy = new Float64Array(6).fill(1);
    activationForward('leaky_relu', x, y);
    activationBackward('leaky_relu', y, dy, dx);
    expect(Array.from(y)).toEqual([0, -0, 300, -60, -0.2, 2]);
    expect(Array.from(dx)).toEqual([0.2, 0.2, 1, 0.2, 0.2, 1]);
    activationForward('relu', x, y);
    activationBackward('relu', y, dy, dx);
    expect(Array.from(dx)).toEqual([0, 0, 1, 0, 0, 1]);
    activationForward('tanh', x, y);
    expect(y[2]).toBe(1);
    expect(y[3]).toBe(-1);
  });
});
