import { describe, expect, test } from 'vitest';
import * as gpuOps from '../src/kernels/adam';
import { ADAM_DEFAULTS } from '../src/kernels/adam';
import * as cpu from '../src/kernels/adam.cpu';
import type { Kernel } from '../src/kernels/kernel';
import { compare } from './helpers/compare';
import { expectFailure } from './helpers/errors';
import { testGpu, withGpu } from './helpers/gpu';
import { f32, randn, rng } from './helpers/random';
import { ADAM_MOVE, GPU_ELEMENTWISE } from './helpers/tolerances';
import { adamVsKeras } from './helpers/adam-keras';

const gpu = await testGpu();

// The GPU holds the hyperparameters in f32, so the f64 twin gets the same rounded values
// (1 - beta2 is 9.99987e-4 in f32, 1.3e-5 from 1e-3: more than the tolerance on v).
const HYPER_F32 = {
  lr: Math.fround(ADAM_DEFAULTS.lr), beta1: Math.fround(ADAM_DEFAULTS.beta1),
  beta2: Math.fround(ADAM_DEFAULTS.beta2), epsilon: Math.fround(ADAM_DEFAULTS.epsilon),
};

describe.skipIf(gpu === null)('adam kernels vs CPU twins', () => {
  // 138,945 is the discriminator's parameter count; 1001 is odd and not a multiple of 256.
  for (const n of [138_945, 1001]) {
    test(`5 ticks + updates in one submit, n=${n}`, () =>
      withGpu(gpu!, async (s) => {
        const r = rng(n), steps = 5;
        const w0 = f32(randn(r, n, 0.02));
        const grads = Array.from({ length: steps }, () => f32(randn(r, n, 0.01)));
        // Zero and tiny gradients: no move, and a move damped by epsilon.
        grads[0][0] = 0; grads[0][1] = 1e-6; grads[0][2] = -1e-6;
        const w = s.tensor([n], 'w', w0), m = s.tensor([n], 'm'), v = s.tensor([n], 'v'), step = s.tensor([1], 'step');
        const kernels: Kernel[] = [];
        for (const g of grads) {
          kernels.push(await gpuOps.adamTick(gpu!, step));
          kernels.push(await gpuOps.adamUpdate(gpu!, w, s.tensor([n], 'g', g), m, v, step, ADAM_DEFAULTS));
        }
        s.run(kernels);
        const wWant = Float64Array.from(w0), mWant = new Float64Array(n), vWant = new Float64Array(n), stepWant = new Float64Array(1);
        for (const g of grads) { cpu.adamTick(stepWant); cpu.adamUpdate(wWant, g, mWant, vWant, stepWant, HYPER_F32); }
        expect(Array.from(await s.read(step))).toEqual([steps]);
        const wGot = await s.read(w);
        compare(`adam m n=${n}`, await s.read(m), mWant, GPU_ELEMENTWISE);
        compare(`adam v n=${n}`, await s.read(v), vWant, GPU_ELEMENTWISE);
        compare(`adam w n=${n}`, wGot, wWant, GPU_ELEMENTWISE);
        // The move w - w0 (about 5 lr = 1e-3) against its own scale: five roundings of w (ulp
        // 7.5e-9 at |w| = 0.08, so up to ~2e-5 of the move); tests/helpers/adam-keras.ts
        // checks single moves from w = 0 to 1e-6.
        compare(`adam w - w0 n=${n}`, wGot.map((x, i) => x - w0[i]), wWant.map((x, i) => x - w0[i]), { scale: 3e-5 });
      }));
  }

  test('each move vs Keras\' formula in f64 at t = 1..20 and 1000, to 1e-6 of the move', async () => {
    const errors = await adamVsKeras(gpu!, gpu!.adapter.name);
    expect(Math.max(...errors.map((e) => e.relToScale))).toBeLessThanOrEqual(ADAM_MOVE.scale);
  });

  test('rejects size mismatch, a bad step, bad hyperparameters and aliasing, naming the op and shapes', () =>
    withGpu(gpu!, async (s) => {
      const t = (shape: number[], label: string) => s.tensor(shape, label);
      const w = t([3, 3, 64, 1], 'w'), m = t([3, 3, 64, 1], 'm'), v = t([3, 3, 64, 1], 'v'), step = t([1], 'step');
      await expectFailure(() => gpuOps.adamUpdate(gpu!, w, t([577], 'g'), m, v, step, ADAM_DEFAULTS), /adamUpdate\(w \[3, 3, 64, 1\], g \[577\], .*\): g has 577 values, w has 576/);
      await expectFailure(() => gpuOps.adamUpdate(gpu!, w, t([576], 'g'), m, t([575], 'v2'), step, ADAM_DEFAULTS), /adamUpdate\(.*v \[575\].*\): v has 575 values, w has 576/);
      await expectFailure(() => gpuOps.adamUpdate(gpu!, w, t([576], 'g'), m, v, t([2], 'step2'), ADAM_DEFAULTS), /step \[2\]\): step has 2 values/);
      await expectFailure(() => gpuOps.adamUpdate(gpu!, w, t([576], 'g'), m, v, step, { ...ADAM_DEFAULTS, beta2: 1.5 }), /adamUpdate\(w \[3, 3, 64, 1\].*beta2 1.5 must be in \[0, 1\)/);
      await expectFailure(() => gpuOps.adamUpdate(gpu!, w, w, m, v, step, ADAM_DEFAULTS), /must be distinct tensors/);
      await expectFailure(() => gpuOps.adamTick(gpu!, t([1, 2], 'bad step')), /adamTick: step \(bad step\) has shape \[1, 2\]/);
    }));
});
