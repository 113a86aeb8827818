import { describe, expect, test } from 'vitest';
import * as gpuOps from '../src/kernels/random';
import * as cpu from '../src/kernels/random.cpu';
import { compare } from './helpers/compare';
import { expectFailure } from './helpers/errors';
import { testGpu, withGpu } from './helpers/gpu';

const gpu = await testGpu();

// Normals: the words are identical, so the difference is only the GPU's f32 log, sqrt, cos,
// sin and the f32 angle 2 pi v - pi (|z| <= 5.8, f32 ulp ~5e-7): 1e-5 absolute.
const NORMAL_TOL = { atol: 1e-5 } as const;

describe.skipIf(gpu === null)('random kernels vs CPU twins', () => {
  // 6400 = 64 latent points x 100; 1001 leaves a partial last block.
  for (const n of [6400, 1001]) {
    test(`uniform_int bit-exact, n=${n}, then a new step without re-preparing`, () =>
      withGpu(gpu!, async (s) => {
        const out = s.output([n], 'idx'), step = s.tensor([1], 'step', [12345]);
        const opts = { seed: 20240601, stream: 3, n: 60000 };
        const k = await gpuOps.randomInt(gpu!, out, step, opts);
        for (const t of [12345, 7]) {
          gpu!.write(step, [t]);
          s.run(k);
          const got = await gpu!.readU32(out), want = new Uint32Array(n);
          cpu.randomInt(want, new Float64Array([t]), opts);
          const mismatches = got.filter((x, i) => x !== want[i]).length;
          console.log(`uniform_int n=${n} step=${t}: ${mismatches} mismatches, max ${Math.max(...got)}`);
          expect(mismatches).toBe(0);
        }
      }));

    test(`normal within 1e-5 of the twin, n=${n}`, () =>
      withGpu(gpu!, async (s) => {
        const out = s.output([n], 'z'), step = s.tensor([1], 'step', [41]);
        for (const opts of [{ seed: 1, stream: 2 }, { seed: 0xffffffff, stream: 1000, mean: 0.5, std: 0.02 }]) {
          s.run(await gpuOps.randomNormal(gpu!, out, step, opts));
          const want = new Float64Array(n);
          cpu.randomNormal(want, new Float64Array([41]), opts);
          compare(`normal n=${n} ${JSON.stringify(opts)}`, await s.read(out), want, NORMAL_TOL);
        }
      }));
  }

  // The size of G's second Conv2DTranspose kernel (4x4x128x256): 262,144 Box-Muller pairs,
  // enough to reach u within 1e-5 of 1, where an inaccurate ln would show.
  test('normal at an initialisation size, n=524288', () =>
    withGpu(gpu!, async (s) => {
      const n = 4 * 4 * 128 * 256, opts = { seed: 12, stream: 2001, mean: 0, std: 0.02 };
      const out = s.output([4, 4, 128, 256], 'kernel'), step = s.tensor([1], 'step', [0]);
      s.run(await gpuOps.randomNormal(gpu!, out, step, opts));
      const want = new Float64Array(n);
      cpu.randomNormal(want, new Float64Array([0]), opts);
      compare(`normal n=${n} ${JSON.stringify(opts)}`, await s.read(out), want, { atol: NORMAL_TOL.atol * opts.std });
    }));

  test('uniform_int with n = 2^32 - 1 exercises the full 64-bit product', () =>
    withGpu(gpu!, async (s) => {
      const out = s.output([257], 'idx'), step = s.tensor([1], 'step', [0]);
      const opts = { seed: 0xffffffff, stream: 0xffffffff, n: 0xffffffff };
      s.run(await gpuOps.randomInt(gpu!, out, step, opts));
      const want = new Uint32Array(257);
      cpu.randomInt(want, new Float64Array([0]), opts);
      expect(Array.from(await gpu!.readU32(out))).toEqual(Array.from(want));
    }));

  test('rejects n = 0, std < 0, empty outputs, bad steps and seeds, naming the op and shapes', () =>
    withGpu(gpu!, async (s) => {
      const out = s.tensor([64, 100], 'z'), step = s.tensor([1], 'step');
      await expectFailure(() => gpuOps.randomInt(gpu!, out, step, { seed: 1, stream: 0, n: 0 }), /randomInt\(out \[64, 100\], step \[1\], n=0\): range n = 0/);
      await expectFailure(() => gpuOps.randomNormal(gpu!, out, step, { seed: 1, stream: 0, std: -0.02 }), /randomNormal\(out \[64, 100\], step \[1\]\): std -0.02 must be finite and >= 0/);
      await expectFailure(() => gpuOps.randomNormal(gpu!, s.tensor([0, 100], 'empty'), step, { seed: 1, stream: 0 }), /randomNormal\(out \[0, 100\].*output has 0 values/);
      await expectFailure(() => gpuOps.randomNormal(gpu!, out, s.tensor([2], 'steps'), { seed: 1, stream: 0 }), /step \[2\]\): step has 2 values/);
      await expectFailure(() => gpuOps.randomInt(gpu!, out, step, { seed: 1.5, stream: 0, n: 10 }), /seed 1.5 is not a u32/);
    }));
});
