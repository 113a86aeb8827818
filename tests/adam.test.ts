import { describe, expect, test } from 'vitest';
import { ADAM_DEFAULTS } from '../src/kernels/adam';
import { adamTick, adamUpdate } from '../src/kernels/adam.cpu';
import { ShapeError } from '../src/kernels/errors';
import { compare } from './helpers/compare';
import { randn, rng } from './helpers/random';

const { lr, beta1, beta2, epsilon } = ADAM_DEFAULTS;

describe('Adam CPU twin', () => {
  test('first Keras step from m = v = 0 moves each weight by about lr * sign(g)', () => {
    const g = new Float64Array([0.5, -2, 1e-3, -0.1, 0, 1e-6]);
    const w = new Float64Array(6); // from 0, so -w is the move with no cancellation
    const m = new Float64Array(6), v = new Float64Array(6), step = new Float64Array([0]);
    adamTick(step);
    adamUpdate(w, g, m, v, step, ADAM_DEFAULTS);
    expect(step[0]).toBe(1);
    // By hand at t = 1: lr_1 = lr sqrt(1 - b2) / (1 - b1), m = (1 - b1) g, v = (1 - b2) g^2,
    // so the move is lr sqrt(1 - b2) |g| / (sqrt(1 - b2) |g| + eps) * sign(g): lr * sign(g)
    // to within eps / (sqrt(0.001) |g|), which is 3e-3 relative for |g| = 1e-3.
    const c = Math.sqrt(0.001);
    for (let i = 0; i < 6; i++) {
      const a = Math.abs(g[i]);
      const move = a === 0 ? 0 : (0.0002 * Math.sign(g[i]) * c * a) / (c * a + 1e-7);
      expect(Math.abs(-w[i] - move)).toBeLessThanOrEqual(1e-15 * lr);
      expect(m[i]).toBe(0.5 * g[i]);
      expect(Math.abs(v[i] - 0.001 * g[i] * g[i])).toBeLessThanOrEqual(1e-12 * 0.001 * g[i] * g[i]);
      if (a >= 1e-3) expect(Math.abs(-w[i] / (lr * Math.sign(g[i])) - 1)).toBeLessThan(3.2e-3);
    }
    expect(w[4]).toBe(0); // g = 0: no move
    // |g| = 1e-6 is below eps / sqrt(1 - b2): epsilon damps the step to about a quarter.
    expect(-w[5] / lr).toBeCloseTo(c * 1e-6 / (c * 1e-6 + 1e-7), 12);
  });

  test('five steps against the formula written per element in f64, and against Kingma & Ba', () => {
    const r = rng(5), n = 257, steps = 5;
    const w0 = randn(r, n, 0.02), grads = Array.from({ length: steps }, () => randn(r, n, 0.01));
    const w = w0.slice(), m = new Float64Array(n), v = new Float64Array(n), step = new Float64Array([0]);
    for (const g of grads) { adamTick(step); adamUpdate(w, g, m, v, step, ADAM_DEFAULTS); }
    expect(step[0]).toBe(steps);
    // SPEC.md's formula, one weight at a time.
    const wSpec = new Float64Array(n), wPaper = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let wi = w0[i], mi = 0, vi = 0, wp = w0[i];
      for (let t = 1; t <= steps; t++) {
        const gi = grads[t - 1][i];
        mi = beta1 * mi + (1 - beta1) * gi;
        vi = beta2 * vi + (1 - beta2) * gi * gi;
        wi -= ((lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t)) * mi / (Math.sqrt(vi) + epsilon);
        // Kingma & Ba, Algorithm 1, with bias-corrected moments; Keras' epsilon equals the
        // paper's epsilon-hat = epsilon * sqrt(1 - b2^t).
        const mHat = mi / (1 - beta1 ** t), vHat = vi / (1 - beta2 ** t);
        wp -= (lr * mHat) / (Math.sqrt(vHat) + epsilon / Math.sqrt(1 - beta2 ** t));
      }
      wSpec[i] = wi; wPaper[i] = wp;
    }
    compare('adam 5 steps vs SPEC formula', w, wSpec, { scale: 1e-14 });
    compare('adam 5 steps vs Kingma & Ba with epsilon-hat', w, wPaper, { scale: 1e-14 });
  });

  test('an f32 twin stays within f32 rounding of the f64 twin', () => {
    const r = rng(9), n = 100;
    const w0 = randn(r, n, 0.05), g = randn(r, n, 0.1);
    const w64 = w0.slice(), m64 = new Float64Array(n), v64 = new Float64Array(n), s64 = new Float64Array([0]);
    const w32 = Float32Array.from(w0), m32 = new Float32Array(n), v32 = new Float32Array(n), s32 = new Float32Array([0]);
    for (let k = 0; k < 3; k++) {
      adamTick(s64); adamUpdate(w64, g, m64, v64, s64, ADAM_DEFAULTS);
      adamTick(s32); adamUpdate(w32, Float32Array.from(g), m32, v32, s32, ADAM_DEFAULTS);
    }
    compare('adam f32 vs f64 w', w32, w64, { scale: 1e-6 });
    compare('adam f32 vs f64 v', v32, v64, { scale: 1e-6 });
  });

  test('rejects size mismatch, a step that is not one value, and bad hyperparameters', () => {
    const a = () => new Float64Array(4), step = new Float64Array([1]);
    expect(() => adamUpdate(a(), new Float64Array(3), a(), a(), step, ADAM_DEFAULTS)).toThrow(/adamUpdate: g has 3 values, w has 4/);
    expect(() => adamUpdate(a(), a(), a(), new Float64Array(5), step, ADAM_DEFAULTS)).toThrow(/v has 5 values/);
    expect(() => adamUpdate(a(), a(), a(), a(), new Float64Array(2), ADAM_DEFAULTS)).toThrow(/step has 2 values/);
    expect(() => adamUpdate(a(), a(), a(), a(), step, { ...ADAM_DEFAULTS, beta1: 1 })).toThrow(/beta1 1 must be in \[0, 1\)/);
    expect(() => adamUpdate(a(), a(), a(), a(), step, { ...ADAM_DEFAULTS, epsilon: 0 })).toThrow(ShapeError);
    expect(() => adamUpdate(a(), a(), a(), a(), step, { ...ADAM_DEFAULTS, lr: -1 })).toThrow(/lr -1/);
    expect(() => adamTick(new Float64Array(2))).toThrow(/adamTick/);
  });
});
