import { describe, expect, test } from 'vitest';
import type { BatchNormActivation } from '../src/kernels/batchnorm';
import * as cpu from '../src/kernels/batchnorm.cpu';
import { compare } from './helpers/compare';
import { checkGradients } from './helpers/finite-diff';
import { randn, rng, uniform } from './helpers/random';

const ACTS: BatchNormActivation[] = ['linear', 'relu', 'leaky_relu'];

/** Training-mode forward: batch statistics, then the fused normalise-and-activate. */
function trainingForward(x: Float64Array, gamma: Float64Array, beta: Float64Array, act: BatchNormActivation) {
  const C = gamma.length;
  const stats = new Float64Array(2 * C);
  cpu.batchNormStats(x, stats, new Float64Array(C), new Float64Array(C).fill(1), { unbiasedMovingVariance: false });
  const y = new Float64Array(x.length);
  cpu.batchNormApply(x, stats, gamma, beta, y, act);
  return { stats, y };
}

describe('batchnorm CPU twins', () => {
  for (const shape of [[3, 5, 7, 4], [6, 9]]) {
    for (const act of ACTS) {
      test(`${act} ${JSON.stringify(shape)}: dx, dgamma, dbeta match finite differences`, () => {
        const r = rng(shape.length * 10 + act.length);
        const n = shape.reduce((a, b) => a * b, 1), C = shape[shape.length - 1];
        const x = randn(r, n, 1.5, 0.3);
        const gamma = uniform(r, C, 0.5, 1.5), beta = randn(r, C, 0.5);
        const dOut = randn(r, n);
        const { stats, y } = trainingForward(x, gamma, beta, act);
        // Finite differences straddling the kink of ReLU/LeakyReLU would see a one-sided slope.
        if (act !== 'linear') {
          for (let i = 0; i < n; i++) {
            const c = i % C, z = gamma[c] * (x[i] - stats[c]) * stats[C + c] + beta[c];
            expect(Math.abs(z)).toBeGreaterThan(1e-4);
          }
        }
        const dgamma = new Float64Array(C), dbeta = new Float64Array(C), dx = new Float64Array(n);
        cpu.batchNormBackwardReduce(x, y, dOut, stats, dgamma, dbeta, act);
        cpu.batchNormBackwardInput(x, y, dOut, stats, gamma, dgamma, dbeta, dx, act);
        checkGradients({
          label: `batchnorm ${act} ${JSON.stringify(shape)}`, rng: r, dOut,
          inputs: { x, gamma, beta }, analytic: { x: dx, gamma: dgamma, beta: dbeta },
          forward: () => trainingForward(x, gamma, beta, act).y,
          maxProbes: 140,
        });
      });
    }
  }

  test('stats and the moving-average update on a hand-computed example, both variance flavours', () => {
    // x [4, 2]: channel 0 = 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3);
    //           channel 1 = 0, 0, 2, 2 (mean 1, biased var 1, unbiased 4/3).
    const x = new Float64Array([1, 0, 2, 0, 3, 2, 4, 2]);
    for (const unbiased of [false, true]) {
      const stats = new Float64Array(4);
      const movingMean = new Float64Array([0, 0]), movingVar = new Float64Array([1, 1]);
      cpu.batchNormStats(x, stats, movingMean, movingVar, { unbiasedMovingVariance: unbiased });
      // stats is [2, C]: row 0 the means, row 1 the inverse standard deviations.
      compare('mean', stats.subarray(0, 2), [2.5, 1], { atol: 1e-15 });
      compare('invStd', stats.subarray(2, 4), [1 / Math.sqrt(1.251), 1 / Math.sqrt(1.001)], { atol: 1e-15 });
      compare('movingMean', movingMean, [0.025, 0.01], { atol: 1e-15 });
      const want = unbiased ? [0.99 + 0.01 * (5 / 3), 0.99 + 0.01 * (4 / 3)] : [0.99 + 0.0125, 1];
      compare(`movingVar (${unbiased ? 'unbiased' : 'biased'})`, movingVar, want, { atol: 1e-15 });
    }
    // A second step keeps averaging, with the momentum the caller asks for.
    const movingMean = new Float64Array([1, 1]), movingVar = new Float64Array([2, 2]);
    cpu.batchNormStats(x, new Float64Array(4), movingMean, movingVar, { unbiasedMovingVariance: true, momentum: 0.5 });
    compare('movingMean, momentum 0.5', movingMean, [1.75, 1], { atol: 1e-15 });
    compare('movingVar, momentum 0.5', movingVar, [1 + 5 / 6, 1 + 2 / 3], { atol: 1e-15 });
  });

  test('stats stay exact with a large mean offset', () => {
    const r = rng(5);
    const x = randn(r, 4000, 0.01, 100);
    const stats = new Float64Array(2), mv = new Float64Array(1);
    cpu.batchNormStats(x, stats, new Float64Array(1), mv, { unbiasedMovingVariance: false, momentum: 0, epsilon: 1e-12 });
    // The reference works on x - 100, exact in f64 here (Sterbenz), so it never sees the offset.
    const shifted = x.map((v) => v - 100);
    let s = 0;
    for (const v of shifted) s += v;
    const mu = s / x.length;
    let q = 0;
    for (const v of shifted) q += (v - mu) ** 2;
    compare('variance at mean 100, std 0.01', mv, [q / x.length], { rtol: 1e-12 });
    compare('mean at mean 100, std 0.01', stats.subarray(0, 1), [100 + mu], { rtol: 1e-14 });
    compare('invStd at mean 100, std 0.01', stats.subarray(1, 2), [1 / Math.sqrt(q / x.length + 1e-12)], { rtol: 1e-12 });
  });

  test('inference mode follows gamma * (x - movingMean) / sqrt(movingVar + eps) + beta', () => {
    const x = new Float64Array([1, -2, 3, 0.5, -1, 4]); // [3, 2]
    const mm = new Float64Array([0.5, 1]), mv = new Float64Array([4, 0.25]);
    const gamma = new Float64Array([2, -1]), beta = new Float64Array([0.1, -0.3]);
    const want = (act: BatchNormActivation) => Array.from(x, (v, i) => {
      const c = i % 2, z = (gamma[c] * (v - mm[c])) / Math.sqrt(mv[c] + 1e-3) + beta[c];
      return act === 'linear' ? z : z > 0 ? z : act === 'relu' ? 0 : 0.2 * z;
    });
    // The first element by hand: 2 * (1 - 0.5) / sqrt(4.001) + 0.1.
    expect(want('linear')[0]).toBeCloseTo(1 / Math.sqrt(4.001) + 0.1, 15);
    for (const act of ACTS) {
      const y = new Float64Array(6);
      cpu.batchNormInference(x, mm, mv, gamma, beta, y, act);
      compare(`inference ${act}`, y, want(act), { atol: 1e-15 });
    }
    const y = new Float64Array(6);
    cpu.batchNormInference(x, mm, mv, gamma, beta, y, 'linear', 0.5);
    expect(y[0]).toBeCloseTo(1 / Math.sqrt(4.5) + 0.1, 15);
  });

  test('twins reject mismatched lengths and M = 1 with the unbiased variance', () => {
    const f = (n: number) => new Float64Array(n);
    expect(() => cpu.batchNormStats(f(3), f(4), f(2), f(2), { unbiasedMovingVariance: false })).toThrow(/batchNormStats: x holds 3 values, not a positive multiple of C = 2/);
    expect(() => cpu.batchNormStats(f(4), f(3), f(2), f(2), { unbiasedMovingVariance: false })).toThrow(/batchNormStats: stats holds 3 values, expected 2C = 4/);
    expect(() => cpu.batchNormStats(f(4), f(4), f(2), f(3), { unbiasedMovingVariance: false })).toThrow(/batchNormStats: movingVar holds 3 values, expected C = 2/);
    expect(() => cpu.batchNormStats(f(2), f(4), f(2), f(2), { unbiasedMovingVariance: true })).toThrow(/batchNormStats: M = 1 has no unbiased variance/);
    expect(() => cpu.batchNormApply(f(4), f(4), f(2), f(2), f(3), 'relu')).toThrow(/batchNormApply\(relu\): y holds 3 values, expected 4/);
    expect(() => cpu.batchNormApply(f(4), f(2), f(2), f(2), f(4), 'relu')).toThrow(/batchNormApply\(relu\): stats holds 2 values, expected 2C = 4/);
    expect(() => cpu.batchNormBackwardReduce(f(4), f(4), f(4), f(5), f(2), f(2))).toThrow(/batchNormBackwardReduce\(linear\): stats holds 5 values, expected 2C = 4/);
    expect(() => cpu.batchNormBackwardInput(f(4), f(4), f(4), f(4), f(2), f(2), f(1), f(4))).toThrow(/batchNormBackwardInput\(linear\): dbeta holds 1 values, expected C = 2/);
    expect(() => cpu.batchNormBackwardInput(f(4), f(4), f(4), f(6), f(2), f(2), f(2), f(4))).toThrow(/batchNormBackwardInput\(linear\): stats holds 6 values, expected 2C = 4/);
  });
});
