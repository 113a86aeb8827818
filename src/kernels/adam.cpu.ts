// CPU twins of adam.ts, written from SPEC.md's Keras formula.

import { checkAdamArgs, type AdamHyperparameters } from './adam';
import type { Floats } from './floats';

export function adamTick(step: Floats): void {
  if (step.length !== 1) throw new RangeError(`adamTick: step has ${step.length} values, expected 1`);
  step[0] += 1;
}

/**
 * 1 - beta^t as -expm1(t ln beta): the same number as the formula, without the cancellation
 * of 1 - beta^t (three digits for beta = 0.999 at t = 1), so the twin is good to ~1e-16.
 */
export function oneMinusPow(beta: number, t: number): number {
  return -Math.expm1(t * Math.log(beta));
}

/** With t = step[0]: m, v moving averages of g and g^2, w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps). */
export function adamUpdate(w: Floats, g: Floats, m: Floats, v: Floats, step: Floats, hyper: AdamHyperparameters): void {
  checkAdamArgs('adamUpdate', { w: w.length, g: g.length, m: m.length, v: v.length, step: step.length }, hyper);
  const { lr, beta1, beta2, epsilon } = hyper;
  const t = step[0];
  const lrT = (lr * Math.sqrt(oneMinusPow(beta2, t))) / oneMinusPow(beta1, t);
  for (let i = 0; i < w.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    w[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + epsilon);
  }
}
