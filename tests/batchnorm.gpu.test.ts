import { describe, expect, test } from 'vitest';
import { activationBackward, activationForward } from '../src/kernels/activation';
import * as gpuOps from '../src/kernels/batchnorm';
import type { BatchNormActivation } from '../src/kernels/batchnorm';
import * as cpu from '../src/kernels/batchnorm.cpu';
import { Gpu, type Tensor } from '../src/kernels/gpu';
import { compare } from './helpers/compare';
import { expectFailure } from './helpers/errors';
import { FAMILIES, testGpu, withGpu, type Scope } from './helpers/gpu';
import { f32, randn, rng, uniform } from './helpers/random';
import { GPU_BACKWARD, GPU_ELEMENTWISE, GPU_FORWARD } from './helpers/tolerances';

const gpu = await testGpu();

interface Case { shape: number[]; act: BatchNormActivation; unbiased: boolean }

// The LSGAN's BatchNormalization inputs at batch 64: discriminator (LeakyReLU after
// convolutions), generator (ReLU; the first after Dense, whose moving variance is biased).
const LSGAN: Case[] = [
  { shape: [64, 14, 14, 64], act: 'leaky_relu', unbiased: true },
  { shape: [64, 7, 7, 128], act: 'leaky_relu', unbiased: true },
  { shape: [64, 14, 14, 128], act: 'relu', unbiased: true },
  { shape: [64, 28, 28, 64], act: 'relu', unbiased: true },
  { shape: [64, 12544], act: 'relu', unbiased: false },
];
// Row counts that are not multiples of the row lanes, channel counts that are not multiples
// of the channel block, one row per lane and fewer rows than lanes.
const AWKWARD: Case[] = [
  { shape: [1, 3, 5, 2], act: 'leaky_relu', unbiased: true },
  { shape: [3, 1, 1, 7], act: 'linear', unbiased: true },
  { shape: [2, 3], act: 'relu', unbiased: false },
  { shape: [7, 300], act: 'linear', unbiased: false },
  // Channels a multiple of 4 (the cpu family's vec4 kernels): odd rows, one row, one block.
  { shape: [3, 5, 7, 8], act: 'leaky_relu', unbiased: true },
  { shape: [1, 1, 1, 4], act: 'relu', unbiased: false },
  { shape: [5, 3, 3, 12], act: 'linear', unbiased: true },
];

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface Inputs { xv: Float64Array; gv: Float64Array; bv: Float64Array; mm0: Float64Array; mv0: Float64Array; dyv: Float64Array }

function makeInputs(seed: number, shape: readonly number[], xStd = 2, xMean = 0.5): Inputs {
  const r = rng(seed), n = sizeOf(shape), C = shape[shape.length - 1];
  return {
    xv: f32(randn(r, n, xStd, xMean)),
    gv: f32(uniform(r, C, 0.5, 1.5)),
    bv: f32(randn(r, C, 0.3)),
    mm0: f32(randn(r, C, 0.2)),
    mv0: f32(uniform(r, C, 0.5, 2)),
    dyv: f32(randn(r, n)),
  };
}

/** Uploads the per-channel tensors shared by every test. */
function upload(s: Scope, shape: readonly number[], v: Inputs) {
  const C = shape[shape.length - 1];
  return {
    x: s.tensor(shape, 'x', v.xv), dy: s.tensor(shape, 'dy', v.dyv),
    gamma: s.tensor([C], 'gamma', v.gv), beta: s.tensor([C], 'beta', v.bv),
    movingMean: s.tensor([C], 'moving_mean', v.mm0), movingVar: s.tensor([C], 'moving_var', v.mv0),
    stats: s.output([2, C], 'stats'),
  };
}

/** Rows 0 and 1 of a [2, C] stats array: the mean and the inverse standard deviation. */
function split(stats: Float64Array) {
  const C = stats.length / 2;
  return { mean: stats.subarray(0, C), invStd: stats.subarray(C) };
}

describe.skipIf(gpu === null).each(FAMILIES)('batchnorm kernels vs CPU twins, %s family', (family) => {
  test('device limits', () => {
    console.log(`maxStorageBuffersPerShaderStage = ${gpu!.device.limits.maxStorageBuffersPerShaderStage}`);
  });

  for (const [i, { shape, act, unbiased }] of [...LSGAN, ...AWKWARD].entries()) {
    const label = `${JSON.stringify(shape)} ${act}${unbiased ? ' unbiased' : ''}`;
    test(`every entry point, ${label}`, () =>
      withGpu(gpu!, async (s) => {
        const n = sizeOf(shape), C = shape[shape.length - 1];
        const v = makeInputs(100 + i, shape);
        const t = upload(s, shape, v);
        const y = s.output(shape, 'y'), yInf = s.output(shape, 'y_inference');
        const dgamma = s.output([C], 'dgamma'), dbeta = s.output([C], 'dbeta'), dx = s.output(shape, 'dx');
        // For 'linear' y is not read: bind x in its place, as a caller without an output would.
        const yIn: Tensor = act === 'linear' ? t.x : y;
        s.run([
          await gpuOps.batchNormStats(gpu!, t.x, t.stats, t.movingMean, t.movingVar, { unbiasedMovingVariance: unbiased }),
          await gpuOps.batchNormApply(gpu!, t.x, t.stats, t.gamma, t.beta, y, act),
          await gpuOps.batchNormInference(gpu!, t.x, t.movingMean, t.movingVar, t.gamma, t.beta, yInf, act),
          await gpuOps.batchNormBackwardReduce(gpu!, t.x, yIn, t.dy, t.stats, dgamma, dbeta, act),
          await gpuOps.batchNormBackwardInput(gpu!, t.x, yIn, t.dy, t.stats, t.gamma, dgamma, dbeta, dx, act),
        ]);
        const got = {
          stats: await s.read(t.stats),
          movingMean: await s.read(t.movingMean), movingVar: await s.read(t.movingVar),
          y: await s.read(y), yInf: await s.read(yInf),
          dgamma: await s.read(dgamma), dbeta: await s.read(dbeta), dx: await s.read(dx),
        };

        const stats = new Float64Array(2 * C);
        const movingMean = Float64Array.from(v.mm0), movingVar = Float64Array.from(v.mv0);
        cpu.batchNormStats(v.xv, stats, movingMean, movingVar, { unbiasedMovingVariance: unbiased });
        const gotStats = split(got.stats), wantStats = split(stats);
        compare(`stats mean ${label}`, gotStats.mean, wantStats.mean, GPU_FORWARD);
        compare(`stats invStd ${label}`, gotStats.invStd, wantStats.invStd, GPU_FORWARD);
        compare(`stats movingMean ${label}`, got.movingMean, movingMean, GPU_FORWARD);
        compare(`stats movingVar ${label}`, got.movingVar, movingVar, GPU_FORWARD);

        // Each later twin reads the GPU's own upstream results, so every entry point is
        // measured on its own, and ReLU masks (from y) agree exactly.
        const yWant = new Float64Array(n), yInfWant = new Float64Array(n);
        cpu.batchNormApply(v.xv, got.stats, v.gv, v.bv, yWant, act);
        compare(`apply ${label}`, got.y, yWant, GPU_FORWARD);
        cpu.batchNormInference(v.xv, got.movingMean, got.movingVar, v.gv, v.bv, yInfWant, act);
        compare(`apply_inference ${label}`, got.yInf, yInfWant, GPU_FORWARD);

        const yForGrad = act === 'linear' ? v.xv : got.y;
        const dgammaWant = new Float64Array(C), dbetaWant = new Float64Array(C), dxWant = new Float64Array(n);
        cpu.batchNormBackwardReduce(v.xv, yForGrad, v.dyv, got.stats, dgammaWant, dbetaWant, act);
        compare(`backward_reduce dgamma ${label}`, got.dgamma, dgammaWant, GPU_BACKWARD);
        compare(`backward_reduce dbeta ${label}`, got.dbeta, dbetaWant, GPU_BACKWARD);
        cpu.batchNormBackwardInput(v.xv, yForGrad, v.dyv, got.stats, v.gv, got.dgamma, got.dbeta, dxWant, act);
        // dx is a difference of terms of size |gamma * invStd * g|; with few rows (M = 2) they
        // nearly cancel and dx's own scale says nothing about f32 rounding, so the tolerance
        // also allows 1e-6 of the largest term (~16 ulps) besides GPU_BACKWARD.
        let term = 0;
        for (let k = 0; k < n; k++) term = Math.max(term, Math.abs(v.gv[k % C] * gotStats.invStd[k % C] * v.dyv[k]));
        compare(`backward_input dx ${label}`, got.dx, dxWant, { ...GPU_BACKWARD, atol: 1e-6 * term });
      }, family));
  }

  // The fused activation against BN 'linear' followed by the separate activation kernel.
  for (const { shape, act } of [{ shape: [16, 14, 14, 64], act: 'leaky_relu' as const }, { shape: [64, 12544], act: 'relu' as const }]) {
    const label = `${JSON.stringify(shape)} ${act}`;
    test(`fused ${label} equals BN linear + activation kernel`, () =>
      withGpu(gpu!, async (s) => {
        const C = shape[shape.length - 1];
        const v = makeInputs(7, shape);
        const t = upload(s, shape, v);
        const z = s.output(shape, 'z'), yPlain = s.output(shape, 'y_plain'), yFused = s.output(shape, 'y_fused');
        const zInf = s.output(shape, 'z_inf'), yInfPlain = s.output(shape, 'y_inf_plain'), yInfFused = s.output(shape, 'y_inf_fused');
        const g = s.output(shape, 'g');
        const dgP = s.output([C], 'dgamma_plain'), dbP = s.output([C], 'dbeta_plain'), dxP = s.output(shape, 'dx_plain');
        const dgF = s.output([C], 'dgamma_fused'), dbF = s.output([C], 'dbeta_fused'), dxF = s.output(shape, 'dx_fused');
        s.run([
          await gpuOps.batchNormStats(gpu!, t.x, t.stats, t.movingMean, t.movingVar, { unbiasedMovingVariance: shape.length === 4 }),
          await gpuOps.batchNormApply(gpu!, t.x, t.stats, t.gamma, t.beta, z),
          await activationForward(gpu!, act, z, yPlain),
          await gpuOps.batchNormApply(gpu!, t.x, t.stats, t.gamma, t.beta, yFused, act),
          await gpuOps.batchNormInference(gpu!, t.x, t.movingMean, t.movingVar, t.gamma, t.beta, zInf),
          await activationForward(gpu!, act, zInf, yInfPlain),
          await gpuOps.batchNormInference(gpu!, t.x, t.movingMean, t.movingVar, t.gamma, t.beta, yInfFused, act),
          await activationBackward(gpu!, act, yPlain, t.dy, g),
          await gpuOps.batchNormBackwardReduce(gpu!, t.x, t.x, g, t.stats, dgP, dbP),
          await gpuOps.batchNormBackwardInput(gpu!, t.x, t.x, g, t.stats, t.gamma, dgP, dbP, dxP),
          await gpuOps.batchNormBackwardReduce(gpu!, t.x, yFused, t.dy, t.stats, dgF, dbF, act),
          await gpuOps.batchNormBackwardInput(gpu!, t.x, yFused, t.dy, t.stats, t.gamma, dgF, dbF, dxF, act),
        ]);
        compare(`fused vs plain y ${label}`, await s.read(yFused), await s.read(yPlain), GPU_ELEMENTWISE);
        compare(`fused vs plain inference y ${label}`, await s.read(yInfFused), await s.read(yInfPlain), GPU_ELEMENTWISE);
        compare(`fused vs plain dgamma ${label}`, await s.read(dgF), await s.read(dgP), GPU_ELEMENTWISE);
        compare(`fused vs plain dbeta ${label}`, await s.read(dbF), await s.read(dbP), GPU_ELEMENTWISE);
        compare(`fused vs plain dx ${label}`, await s.read(dxF), await s.read(dxP), GPU_ELEMENTWISE);
      }, family));
  }

  // E[x^2] - E[x]^2 in f32 loses every digit here: x^2 ~ 1e4 carries ~1e-3 of rounding per
  // element against a variance of 1e-4. Momentum 0 makes the moving variance the batch's own.
  for (const shape of [[64, 14, 14, 64], [64, 12544]]) {
    test(`two-pass variance at mean 100, std 0.01, ${JSON.stringify(shape)}`, () =>
      withGpu(gpu!, async (s) => {
        const C = shape[shape.length - 1], unbiased = shape.length === 4;
        const v = makeInputs(11, shape, 0.01, 100);
        const t = upload(s, shape, v);
        const opts = { unbiasedMovingVariance: unbiased, momentum: 0, epsilon: 1e-6 };
        s.run(await gpuOps.batchNormStats(gpu!, t.x, t.stats, t.movingMean, t.movingVar, opts));
        const stats = new Float64Array(2 * C), mm = Float64Array.from(v.mm0), mv = Float64Array.from(v.mv0);
        cpu.batchNormStats(v.xv, stats, mm, mv, opts);
        const got = split(await s.read(t.stats)), want = split(stats);
        compare(`offset mean ${JSON.stringify(shape)}`, got.mean, want.mean, GPU_FORWARD);
        compare(`offset invStd ${JSON.stringify(shape)}`, got.invStd, want.invStd, GPU_FORWARD);
        compare(`offset batch variance ${JSON.stringify(shape)}`, await s.read(t.movingVar), mv, GPU_FORWARD);
        expect(mv[0]).toBeGreaterThan(0.5e-4);
        expect(mv[0]).toBeLessThan(2e-4);
      }, family));
  }

  test('launchers reject wrong shapes and arguments, naming the op and the shapes', () =>
    withGpu(gpu!, async (s) => {
      const x = s.tensor([2, 3, 3, 4], 'x'), c4 = () => s.tensor([4], 'c4'), y = s.tensor([2, 3, 3, 4], 'y');
      const st = () => s.tensor([2, 4], 'stats');
      const opts = { unbiasedMovingVariance: true };
      await expectFailure(() => gpuOps.batchNormStats(gpu!, s.tensor([2, 3, 4], 'x3'), st(), c4(), c4(), opts),
        /batchNormStats: x has shape \[2, 3, 4\], expected rank 2 \[N, F\] or rank 4 \[N, H, W, C\]/);
      await expectFailure(() => gpuOps.batchNormStats(gpu!, s.tensor([0, 4], 'x0'), st(), c4(), c4(), opts),
        /batchNormStats: x has shape \[0, 4\], every dimension must be a positive integer/);
      await expectFailure(() => gpuOps.batchNormStats(gpu!, x, s.tensor([4], 'stats1'), c4(), c4(), opts),
        /batchNormStats: stats \(stats1\) has shape \[4\], expected \[2, 4\]/);
      await expectFailure(() => gpuOps.batchNormStats(gpu!, x, s.tensor([4, 2], 'statsT'), c4(), c4(), opts),
        /batchNormStats: stats \(statsT\) has shape \[4, 2\], expected \[2, 4\]/);
      await expectFailure(() => gpuOps.batchNormStats(gpu!, x, st(), c4(), s.tensor([1, 4], 'mv'), opts),
        /batchNormStats: movingVar \(mv\) has shape \[1, 4\], expected \[4\]/);
      await expectFailure(() => gpuOps.batchNormStats(gpu!, s.tensor([1, 1, 1, 4], 'x1'), st(), c4(), c4(), opts),
        /batchNormStats: x has shape \[1, 1, 1, 4\]: one row per channel \(M = 1\) has no unbiased variance/);
      const shared = c4();
      await expectFailure(() => gpuOps.batchNormStats(gpu!, x, st(), shared, shared, opts),
        /batchNormStats: output c4 \[4\] is also bound as another argument/);
      await expectFailure(() => gpuOps.batchNormStats(gpu!, x, st(), c4(), c4(), { ...opts, momentum: 1.5 }),
        /batchNormStats: momentum 1.5 must lie in \[0, 1\]/);
      await expectFailure(() => gpuOps.batchNormApply(gpu!, x, st(), c4(), c4(), s.tensor([2, 3, 3, 5], 'y5'), 'relu'),
        /batchNormApply\(relu\): y \(y5\) has shape \[2, 3, 3, 5\], expected \[2, 3, 3, 4\]/);
      await expectFailure(() => gpuOps.batchNormApply(gpu!, x, s.tensor([2, 3], 'stats3'), c4(), c4(), y, 'relu'),
        /batchNormApply\(relu\): stats \(stats3\) has shape \[2, 3\], expected \[2, 4\]/);
      await expectFailure(() => gpuOps.batchNormApply(gpu!, x, st(), c4(), c4(), y, 'tanh' as BatchNormActivation),
        /batchNormApply\(tanh\): unsupported activation 'tanh' \(expected linear, relu or leaky_relu\)/);
      await expectFailure(() => gpuOps.batchNormApply(gpu!, x, st(), c4(), c4(), x),
        /batchNormApply\(linear\): output x \[2, 3, 3, 4\] is also bound as another argument/);
      await expectFailure(() => gpuOps.batchNormInference(gpu!, x, c4(), c4(), s.tensor([8], 'gamma8'), c4(), y, 'leaky_relu'),
        /batchNormInference\(leaky_relu\): gamma \(gamma8\) has shape \[8\], expected \[4\]/);
      await expectFailure(() => gpuOps.batchNormInference(gpu!, x, c4(), c4(), c4(), c4(), y, 'linear', 0),
        /batchNormInference\(linear\): epsilon 0 must be a positive finite number/);
      await expectFailure(() => gpuOps.batchNormBackwardReduce(gpu!, x, y, s.tensor([18, 4], 'dy2'), st(), c4(), c4(), 'relu'),
        /batchNormBackwardReduce\(relu\): dy \(dy2\) has shape \[18, 4\], expected \[2, 3, 3, 4\]/);
      await expectFailure(() => gpuOps.batchNormBackwardReduce(gpu!, x, s.tensor([2, 3, 3], 'y3'), y, st(), c4(), c4(), 'relu'),
        /batchNormBackwardReduce\(relu\): y \(y3\) has shape \[2, 3, 3\], expected \[2, 3, 3, 4\]/);
      await expectFailure(() => gpuOps.batchNormBackwardReduce(gpu!, x, y, y, s.tensor([8], 'stats8'), c4(), c4(), 'relu'),
        /batchNormBackwardReduce\(relu\): stats \(stats8\) has shape \[8\], expected \[2, 4\]/);
      await expectFailure(() => gpuOps.batchNormBackwardInput(gpu!, x, y, y, st(), c4(), c4(), s.tensor([2], 'dbeta2'), s.tensor([2, 3, 3, 4], 'dx'), 'leaky_relu'),
        /batchNormBackwardInput\(leaky_relu\): dbeta \(dbeta2\) has shape \[2\], expected \[4\]/);
      await expectFailure(() => gpuOps.batchNormBackwardInput(gpu!, x, y, y, s.tensor([3, 4], 'stats34'), c4(), c4(), c4(), s.tensor([2, 3, 3, 4], 'dx'), 'linear'),
        /batchNormBackwardInput\(linear\): stats \(stats34\) has shape \[3, 4\], expected \[2, 4\]/);
      await expectFailure(() => gpuOps.batchNormBackwardInput(gpu!, x, y, y, st(), c4(), c4(), c4(), y, 'relu'),
        /batchNormBackwardInput\(relu\): output y \[2, 3, 3, 4\] is also bound as another argument/);
    }, family));

  // The shared device asks for the adapter's storage-buffer limit (10 on SwiftShader), which
  // would hide a kernel that needs more than WebGPU's baseline of 8; this device has only 8.
  test('every entry point runs on a device with the baseline 8 storage buffers per stage', async () => {
    // The same GPU object as the shared device (the browser's navigator.gpu, or Dawn's in Node).
    const adapter = await gpu!.instance.requestAdapter();
    expect(adapter).not.toBeNull();
    const device = await adapter!.requestDevice({ label: 'batchnorm baseline limits', requiredLimits: { maxStorageBuffersPerShaderStage: 8 } });
    const base = new Gpu(device, adapter!, gpu!.instance, family);
    try {
      expect(device.limits.maxStorageBuffersPerShaderStage).toBe(8);
      for (const [i, { shape, act, unbiased }] of [
        { shape: [4, 7, 7, 64], act: 'leaky_relu' as const, unbiased: true },
        { shape: [5, 300], act: 'relu' as const, unbiased: false },
        { shape: [3, 2, 2, 5], act: 'linear' as const, unbiased: true },
      ].entries()) {
        const label = `baseline ${JSON.stringify(shape)} ${act}`;
        await withGpu(base, async (s) => {
          const n = sizeOf(shape), C = shape[shape.length - 1];
          const v = makeInputs(300 + i, shape);
          const t = upload(s, shape, v);
          const y = s.output(shape, 'y'), yInf = s.output(shape, 'y_inference');
          const dgamma = s.output([C], 'dgamma'), dbeta = s.output([C], 'dbeta'), dx = s.output(shape, 'dx');
          const yIn: Tensor = act === 'linear' ? t.x : y;
          s.run([
            await gpuOps.batchNormStats(base, t.x, t.stats, t.movingMean, t.movingVar, { unbiasedMovingVariance: unbiased }),
            await gpuOps.batchNormApply(base, t.x, t.stats, t.gamma, t.beta, y, act),
            await gpuOps.batchNormInference(base, t.x, t.movingMean, t.movingVar, t.gamma, t.beta, yInf, act),
            await gpuOps.batchNormBackwardReduce(base, t.x, yIn, t.dy, t.stats, dgamma, dbeta, act),
            await gpuOps.batchNormBackwardInput(base, t.x, yIn, t.dy, t.stats, t.gamma, dgamma, dbeta, dx, act),
          ]);
          const got = {
            stats: await s.read(t.stats), movingMean: await s.read(t.movingMean), movingVar: await s.read(t.movingVar),
            y: await s.read(y), yInf: await s.read(yInf), dgamma: await s.read(dgamma), dbeta: await s.read(dbeta), dx: await s.read(dx),
          };
          const stats = new Float64Array(2 * C);
          const movingMean = Float64Array.from(v.mm0), movingVar = Float64Array.from(v.mv0);
          cpu.batchNormStats(v.xv, stats, movingMean, movingVar, { unbiasedMovingVariance: unbiased });
          const gotStats = split(got.stats), wantStats = split(stats);
          compare(`stats mean ${label}`, gotStats.mean, wantStats.mean, GPU_FORWARD);
          compare(`stats invStd ${label}`, gotStats.invStd, wantStats.invStd, GPU_FORWARD);
          compare(`stats movingMean ${label}`, got.movingMean, movingMean, GPU_FORWARD);
          compare(`stats movingVar ${label}`, got.movingVar, movingVar, GPU_FORWARD);
          const yWant = new Float64Array(n), yInfWant = new Float64Array(n);
          cpu.batchNormApply(v.xv, got.stats, v.gv, v.bv, yWant, act);
          compare(`apply ${label}`, got.y, yWant, GPU_FORWARD);
          cpu.batchNormInference(v.xv, got.movingMean, got.movingVar, v.gv, v.bv, yInfWant, act);
          compare(`apply_inference ${label}`, got.yInf, yInfWant, GPU_FORWARD);
          const yForGrad = act === 'linear' ? v.xv : got.y;
          const dgammaWant = new Float64Array(C), dbetaWant = new Float64Array(C), dxWant = new Float64Array(n);
          cpu.batchNormBackwardReduce(v.xv, yForGrad, v.dyv, got.stats, dgammaWant, dbetaWant, act);
          compare(`backward_reduce dgamma ${label}`, got.dgamma, dgammaWant, GPU_BACKWARD);
          compare(`backward_reduce dbeta ${label}`, got.dbeta, dbetaWant, GPU_BACKWARD);
          cpu.batchNormBackwardInput(v.xv, yForGrad, v.dyv, got.stats, v.gv, got.dgamma, got.dbeta, dxWant, act);
          // The same allowance for cancelling terms as in the tests above.
          let term = 0;
          for (let k = 0; k < n; k++) term = Math.max(term, Math.abs(v.gv[k % C] * gotStats.invStd[k % C] * v.dyv[k]));
          compare(`backward_input dx ${label}`, got.dx, dxWant, { ...GPU_BACKWARD, atol: 1e-6 * term });
        });
      }
    } finally {
      device.destroy();
    }
  });
});
