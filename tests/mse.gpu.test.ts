import { describe, expect, test } from 'vitest';
import * as gpuOps from '../src/kernels/mse';
import * as cpu from '../src/kernels/mse.cpu';
import { compare } from './helpers/compare';
import { expectFailure } from './helpers/errors';
import { testGpu, withGpu } from './helpers/gpu';
import { f32, randn, rng } from './helpers/random';
import { GPU_ELEMENTWISE, GPU_FORWARD } from './helpers/tolerances';

const gpu = await testGpu();

describe.skipIf(gpu === null)('mse kernel vs CPU twin', () => {
  // 1 and 32 are below the workgroup size, 64 is the composite batch, 1000 makes threads loop.
  for (const n of [1, 32, 64, 1000]) {
    test(`three losses into one buffer, as a training iteration does, N=${n}`, () =>
      withGpu(gpu!, async (s) => {
        const r = rng(n);
        const targets = [1, 0, 1];
        const ys = targets.map(() => f32(randn(r, n, 0.6, 0.4)));
        const loss = s.output([3], 'loss');
        const dys = ys.map((_, k) => s.output([n, 1], `dy${k}`));
        const kernels = [];
        for (let k = 0; k < 3; k++) kernels.push(await gpuOps.mseLoss(gpu!, s.tensor([n, 1], `y${k}`, ys[k]), targets[k], dys[k], loss, k));
        s.run(kernels);
        const lossWant = new Float64Array(3);
        for (let k = 0; k < 3; k++) {
          const dyWant = new Float64Array(n);
          cpu.mseLoss(ys[k], targets[k], dyWant, lossWant, k);
          compare(`mse dy N=${n} target ${targets[k]}`, await s.read(dys[k]), dyWant, GPU_ELEMENTWISE);
        }
        compare(`mse loss N=${n}`, await s.read(loss), lossWant, GPU_FORWARD);
      }));
  }

  test('writes only its own slot', () =>
    withGpu(gpu!, async (s) => {
      const loss = s.output([3], 'loss'), dy = s.output([5], 'dy');
      s.run(await gpuOps.mseLoss(gpu!, s.tensor([5, 1], 'y', [1, 2, 3, 4, 5]), 1, dy, loss, 1));
      const got = await s.read(loss);
      expect(Number.isNaN(got[0]) && Number.isNaN(got[2])).toBe(true);
      expect(got[1]).toBeCloseTo((0 + 1 + 4 + 9 + 16) / 5, 6);
    }));

  test('rejects size mismatch, slot out of range, empty and aliased tensors, naming the op and shapes', () =>
    withGpu(gpu!, async (s) => {
      const y = s.tensor([64, 1], 'y'), loss = s.tensor([3], 'loss');
      await expectFailure(() => gpuOps.mseLoss(gpu!, y, 1, s.tensor([32, 1], 'dy'), loss, 0), /mseLoss\(y \[64, 1\], dy \[32, 1\], loss \[3\], slot 0\): dy has 32 values, expected 64/);
      await expectFailure(() => gpuOps.mseLoss(gpu!, y, 1, s.tensor([64, 1], 'dy'), loss, 3), /mseLoss\(.*loss \[3\], slot 3\): slot 3 is outside the loss buffer of 3 values/);
      await expectFailure(() => gpuOps.mseLoss(gpu!, y, 1, s.tensor([64, 1], 'dy'), loss, 0.5), /slot 0.5 is outside/);
      await expectFailure(() => gpuOps.mseLoss(gpu!, s.tensor([0, 1], 'y0'), 1, s.tensor([0, 1], 'dy0'), loss, 0), /mseLoss\(y \[0, 1\].*y has no values/);
      await expectFailure(() => gpuOps.mseLoss(gpu!, y, 1, y, loss, 0), /must be distinct tensors/);
    }));
});
