import { describe, expect, test } from 'vitest';
import { activationForward } from '../src/kernels/activation';
import { conv2dGeometry } from '../src/kernels/conv-geometry';
import { conv2dForward } from '../src/kernels/conv2d';
import { KernelProfiler } from '../src/kernels/profiler';
import { expectFailure } from './helpers/errors';
import { testGpu, withGpu } from './helpers/gpu';
import { randn, rng } from './helpers/random';

const gpu = await testGpu();

describe.skipIf(gpu === null || !gpu.hasTimestamps)('timestamp profiler', () => {
  test('times every kernel on the GPU; a 25-MFLOP convolution takes longer than a 784-value ReLU', () =>
    withGpu(gpu!, async (s) => {
      const r = rng(1);
      const x = s.tensor([8, 28, 28, 64], 'x', randn(r, 8 * 28 * 28 * 64));
      const y = s.tensor([8, 28, 28, 64], 'y');
      const small = s.tensor([1, 28, 28, 1], 'small'), smallOut = s.tensor([1, 28, 28, 1], 'small out');
      const w = s.tensor([7, 7, 64, 1], 'w', randn(r, 7 * 7 * 64)), conv = s.tensor([8, 28, 28, 1], 'conv');
      const g = conv2dGeometry('test', [8, 28, 28, 64], [7, 7, 64, 1], 1, 'same');
      const profiler = new KernelProfiler(gpu!, 8);
      const times = await profiler.time([
        { group: 'cheap', kernels: [await activationForward(gpu!, 'relu', small, smallOut)] },
        { group: 'dear', kernels: [await activationForward(gpu!, 'relu', x, y), await conv2dForward(gpu!, g, x, w, null, conv)] },
      ]);
      for (const t of times) console.log(`${t.group} ${t.kernel.name}: ${t.ms.toFixed(3)} ms`);
      expect(times.map((t) => t.group)).toEqual(['cheap', 'dear', 'dear']);
      expect(times.every((t) => Number.isFinite(t.ms) && t.ms >= 0)).toBe(true);
      // The 8x28x28x64 -> 1 7x7 convolution is 25 MFLOP against 784 values for the small ReLU.
      expect(times[2].ms).toBeGreaterThan(times[0].ms);
      await expectFailure(() => profiler.time([{ group: 'too many', kernels: Array(9).fill(times[0].kernel) }]), /profiler: 9 kernels exceed its capacity of 8/);
      profiler.destroy();
    }));
});
