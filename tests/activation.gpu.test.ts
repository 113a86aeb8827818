import { describe, test } from 'vitest';
import * as gpuOps from '../src/kernels/activation';
import type { Activation } from '../src/kernels/activation';
import * as cpu from '../src/kernels/activation.cpu';
import { compare } from './helpers/compare';
import { testGpu, withGpu } from './helpers/gpu';
import { f32, randn, rng } from './helpers/random';
import { GPU_ELEMENTWISE } from './helpers/tolerances';

const gpu = await testGpu();
const ACTS: Activation[] = ['relu', 'leaky_relu', 'tanh'];

describe.skipIf(gpu === null)('activation kernels vs CPU twins', () => {
  // 64x14x14x64 is the discriminator's first activation; 1001 is odd and not a multiple of 256.
  for (const n of [1001, 64 * 14 * 14 * 64]) {
    for (const act of ACTS) {
      test(`${act} forward and backward, n=${n}`, () =>
        withGpu(gpu!, async (s) => {
          const r = rng(n + act.length);
          const xv = f32(randn(r, n, 3));
          xv[0] = 0; xv[1] = 300; xv[2] = -300; xv[3] = -0;
          const dyv = f32(randn(r, n));
          const x = s.tensor([n], 'x', xv), y = s.output([n], 'y');
          const dy = s.tensor([n], 'dy', dyv), dx = s.output([n], 'dx');
          s.run([await gpuOps.activationForward(gpu!, act, x, y), await gpuOps.activationBackward(gpu!, act, y, dy, dx)]);
          const yGot = await s.read(y), dxGot = await s.read(dx);
          const yWant = new Float64Array(n), dxWant = new Float64Array(n);
          cpu.activationForward(act, xv, yWant);
          // The backward twin reads the GPU's y so the two backward passes see the same input.
          cpu.activationBackward(act, yGot, dyv, dxWant);
          compare(`${act} forward n=${n}`, yGot, yWant, GPU_ELEMENTWISE);
          compare(`${act} backward n=${n}`, dxGot, dxWant, GPU_ELEMENTWISE);
        }));
    }
  }
});
