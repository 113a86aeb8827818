// Adam's GPU update against Keras' formula in f64, at the steps where the bias correction is
// hardest (t = 1..20: 1 - beta2^t cancels three digits or more) and at t = 1,000. Shared by
// the gpu project (Chromium's SwiftShader) and the node project (Dawn on lavapipe and
// SwiftShader), so every adapter the tests use is held to the same tolerance.

import { expect } from 'vitest';
import * as gpuOps from '../../src/kernels/adam';
import { ADAM_DEFAULTS } from '../../src/kernels/adam';
import type { Gpu } from '../../src/kernels/gpu';
import { compare } from './compare';
import { withGpu } from './gpu';
import { f32, randn, rng } from './random';
import { ADAM_MOVE } from './tolerances';

export const KERAS_STEPS = [...Array.from({ length: 20 }, (_, i) => i + 1), 1000];

/**
 * TensorFlow casts the hyperparameters to the variable's dtype, so Keras' formula runs on the
 * f32 values of beta1, beta2, lr and epsilon; the rest here is f64.
 */
const K = {
  lr: Math.fround(ADAM_DEFAULTS.lr), beta1: Math.fround(ADAM_DEFAULTS.beta1),
  beta2: Math.fround(ADAM_DEFAULTS.beta2), epsilon: Math.fround(ADAM_DEFAULTS.epsilon),
};

export interface StepError {
  t: number;
  /** max |got - want| / max |want| over the moves of one step. */
  relToScale: number;
  /** median of got / want - 1: the systematic part, which a wrong lr_t shows. */
  medianRel: number;
}

/** One tick + update per t from the state Keras would hold before step t; returns the errors of the moves. */
export async function adamVsKeras(gpu: Gpu, label: string): Promise<StepError[]> {
  const n = 4096, out: StepError[] = [];
  await withGpu(gpu, async (s) => {
    const w = s.tensor([n], 'w'), g = s.tensor([n], 'g'), m = s.tensor([n], 'm'), v = s.tensor([n], 'v'), step = s.tensor([1], 'step');
    const kernels = [await gpuOps.adamTick(gpu, step), await gpuOps.adamUpdate(gpu, w, g, m, v, step, ADAM_DEFAULTS)];
    for (const t of KERAS_STEPS) {
      const r = rng(7 * t);
      const gi = f32(randn(r, n, 0.01));
      // Before step 1 the moments are 0 (Keras' start); later, moments with |m| <= sqrt(v),
      // as a history of gradients gives them.
      const mi = t === 1 ? new Float64Array(n) : f32(randn(r, n, 0.005));
      const vi = t === 1 ? new Float64Array(n) : f32(mi.map((x, i) => x * x + 1e-4 * (0.1 + Math.abs(Math.sin(i)))));
      gpu.write(w, new Float32Array(n)); // from 0, so -w is the move with one rounding
      gpu.write(g, Float32Array.from(gi));
      gpu.write(m, Float32Array.from(mi));
      gpu.write(v, Float32Array.from(vi));
      gpu.write(step, [t - 1]);
      s.run(kernels);
      const lrT = (K.lr * Math.sqrt(1 - K.beta2 ** t)) / (1 - K.beta1 ** t);
      const want = new Float64Array(n), mWant = new Float64Array(n), vWant = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        mWant[i] = K.beta1 * mi[i] + (1 - K.beta1) * gi[i];
        vWant[i] = K.beta2 * vi[i] + (1 - K.beta2) * gi[i] * gi[i];
        want[i] = (lrT * mWant[i]) / (Math.sqrt(vWant[i]) + K.epsilon);
      }
      expect(Array.from(await s.read(step))).toEqual([t]);
      compare(`${label} adam m t=${t}`, await s.read(m), mWant, { scale: 1e-6, atol: 1e-12 });
      compare(`${label} adam v t=${t}`, await s.read(v), vWant, { scale: 1e-6, atol: 1e-15 });
      const got = (await s.read(w)).map((x) => -x);
      const rel = Array.from(want, (x, i) => got[i] / x - 1).filter(Number.isFinite).sort((a, b) => a - b);
      const c = compare(`${label} adam move t=${t}`, got, want, ADAM_MOVE);
      out.push({ t, relToScale: c.relToScale, medianRel: rel[rel.length >> 1] });
    }
  });
  const e1 = out[0];
  console.log(`${label}: Adam move at t = 1: median got/want - 1 = ${e1.medianRel.toExponential(2)}, max error ${e1.relToScale.toExponential(2)} of the largest move; worst over t = 1..20, 1000: ${Math.max(...out.map((e) => e.relToScale)).toExponential(2)}`);
  return out;
}
