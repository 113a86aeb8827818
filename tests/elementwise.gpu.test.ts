import { describe, test } from 'vitest';
import * as gpuOps from '../src/kernels/elementwise';
import * as cpu from '../src/kernels/elementwise.cpu';
import { compare } from './helpers/compare';
import { expectFailure } from './helpers/errors';
import { testGpu, withGpu } from './helpers/gpu';
import { f32, randn, rng } from './helpers/random';
import { GPU_ELEMENTWISE } from './helpers/tolerances';

const gpu = await testGpu();

describe.skipIf(gpu === null)('elementwise kernels vs CPU twins', () => {
  for (const n of [1, 257, 12544 * 64]) {
    test(`add_into n=${n}`, () =>
      withGpu(gpu!, async (s) => {
        const r = rng(n);
        const a = f32(randn(r, n)), b = f32(randn(r, n));
        const acc = s.tensor([n], 'acc', a), src = s.tensor([n], 'src', b);
        s.run(await gpuOps.addInto(gpu!, src, acc));
        const want = Float64Array.from(a);
        cpu.addInto(b, want);
        compare(`add_into n=${n}`, await s.read(acc), want, GPU_ELEMENTWISE);
      }));
  }

  test('add_into rejects a size mismatch, naming the op and shapes', () =>
    withGpu(gpu!, async (s) => {
      const acc = s.tensor([4, 3], 'acc'), src = s.tensor([11], 'src');
      await expectFailure(() => gpuOps.addInto(gpu!, src, acc), /addInto: acc \(acc\) has shape \[4, 3\] \(12 values\), expected 11 values/);
    }));
});
