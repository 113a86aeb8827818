// The error bound stated in shaders/adam.wgsl for 1 - beta^t, checked on the shader's own
// sequence of f32 operations (each rounded with Math.fround, as WGSL rounds +, - and *),
// against -expm1(t ln beta) in f64, over the betas a user can pass and t from 1 to 2^24.
// The GPU tests then check the whole update on real adapters (tests/helpers/adam-keras.ts).

import { describe, expect, test } from 'vitest';
import { lnBeta } from '../src/kernels/adam';
import { oneMinusPow } from '../src/kernels/adam.cpu';
import { rng } from './helpers/random';

const f = Math.fround;
const LN2_HI = f(0.693359375), LN2_LO = f(-2.12194440e-4), INV_LN2 = f(1.44269504);
const COEF = [1 / 40320, 1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1].map(f);

function expm1Small(r: number): number {
  let p = COEF[0];
  for (let i = 1; i < COEF.length; i++) p = f(COEF[i] + f(r * p));
  return f(r * p);
}

/** shaders/adam.wgsl one_minus_pow, operation for operation in f32. */
function oneMinusPowF32(lnB: number, t: number): number {
  const x = f(t * lnB);
  if (x >= f(-0.36)) return f(-expm1Small(x));
  if (x < -88) return 1;
  const k = Math.round(f(x * INV_LN2)); // |k| <= 127: ties cannot occur on these values
  const r = f(f(x - f(k * LN2_HI)) - f(k * LN2_LO));
  return f(f(1 - 2 ** k) - f(expm1Small(r) * 2 ** k));
}

describe('Adam bias correction 1 - beta^t in f32 (shaders/adam.wgsl)', () => {
  test('within 6 ulp (3.6e-7 relative) of -expm1(t ln beta) for beta in [0, 1), t in [1, 2^24]', () => {
    const r = rng(12);
    const betas = [0, 1e-6, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999, 1 - 2 ** -24, ...Array.from({ length: 200 }, () => r())];
    const ts = [...Array.from({ length: 2000 }, (_, i) => i + 1), ...Array.from({ length: 2000 }, () => 1 + Math.floor(r() ** 4 * 2 ** 24)), 2 ** 24];
    let worst = 0, at = '';
    for (const beta of betas) {
      const b = f(beta);
      for (const t of ts) {
        const want = oneMinusPow(b, t);
        const got = oneMinusPowF32(f(lnBeta(b)), t);
        const rel = Math.abs(got - want) / want;
        if (!(rel <= worst)) { worst = rel; at = `beta ${b}, t ${t}: got ${got}, want ${want}`; }
      }
    }
    console.log(`1 - beta^t: worst relative error ${worst.toExponential(2)} (${(worst * 2 ** 24).toFixed(2)} ulp of 2^-24) at ${at}`);
    expect(worst).toBeLessThanOrEqual(6 * 2 ** -24);
  });

  test('the twin\'s -expm1 form is Keras\' 1 - beta^t where that one does not cancel', () => {
    for (const [b, t] of [[0.5, 1], [0.5, 3], [0.9, 10], [0.999, 1000]]) expect(oneMinusPow(b, t)).toBeCloseTo(1 - b ** t, 14);
  });
});
