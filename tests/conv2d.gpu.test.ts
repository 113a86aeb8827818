import { describe, expect, test } from 'vitest';
import type { Activation } from '../src/kernels/activation';
import { activate } from '../src/kernels/activation.cpu';
import { conv2dGeometry, conv2dTransposeGeometry, type Conv2DGeometry, type Padding } from '../src/kernels/conv-geometry';
import * as gpuConv from '../src/kernels/conv2d';
import * as cpuConv from '../src/kernels/conv2d.cpu';
import * as gpuDense from '../src/kernels/dense';
import * as cpuDense from '../src/kernels/dense.cpu';
import { ShapeError } from '../src/kernels/errors';
import { channelSum, splitSum } from '../src/kernels/reduce';
import * as cpuReduce from '../src/kernels/reduce.cpu';
import { compare } from './helpers/compare';
import { expectFailure } from './helpers/errors';
import { expectConvFamily, FAMILIES, testGpu, withGpu } from './helpers/gpu';
import type { KernelFamily } from '../src/kernels/gpu';
import type { Kernel } from '../src/kernels/kernel';
import { f32, randn, rng } from './helpers/random';
import { GPU_BACKWARD, GPU_FORWARD } from './helpers/tolerances';

const gpu = await testGpu();
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface ConvCase {
  x: [number, number, number, number];
  k: [number, number, number, number];
  s: number | [number, number];
  pad: Padding;
  /** Which passes to check; the LSGAN's full batch runs forward only (SwiftShader is slow). */
  passes: 'forward' | 'backward' | 'both';
  act?: 'linear' | Activation;
  wStd?: number;
}

function label(kind: string, c: ConvCase): string {
  return `${kind} x[${c.x}] k[${c.k}] s${c.s} ${c.pad}${c.act && c.act !== 'linear' ? ` ${c.act}` : ''}`;
}

/** Conv2D: forward (with bias), input and filter gradients, and the bias gradient via channelSum. */
function convTest(c: ConvCase, family: KernelFamily): () => Promise<void> {
  const fam = (k: Kernel) => { expectConvFamily(k, family); return k; };
  return () => withGpu(gpu!, async (s) => {
    const name = label('conv2d', c);
    const g = conv2dGeometry(name, c.x, c.k, c.s, c.pad);
    const r = rng(prod(c.x) + 7 * prod(c.k));
    const ys = [g.N, g.OH, g.OW, g.F];
    const xv = f32(randn(r, prod(c.x))), wv = f32(randn(r, prod(c.k), c.wStd ?? 1 / Math.sqrt(g.KH * g.KW * g.C)));
    const bv = f32(randn(r, g.F)), dyv = f32(randn(r, prod(ys)));
    const x = s.tensor(c.x, 'x', xv), w = s.tensor(c.k, 'w', wv), b = s.tensor([g.F], 'b', bv), dy = s.tensor(ys, 'dy', dyv);
    const act = c.act ?? 'linear';
    if (c.passes !== 'backward') {
      const y = s.output(ys, 'y');
      s.run(fam(await gpuConv.conv2dForward(gpu!, g, x, w, b, y, act)));
      const want = new Float64Array(prod(ys));
      cpuConv.conv2dForward(g, xv, wv, bv, want, act);
      compare(`${name} forward`, await s.read(y), want, GPU_FORWARD);
    }
    if (c.passes !== 'forward') {
      const dx = s.output(c.x, 'dx'), dw = s.output(c.k, 'dw'), db = s.output([g.F], 'db');
      s.run([
        fam(await gpuConv.conv2dBackwardInput(gpu!, g, dy, w, dx)),
        fam(await gpuConv.conv2dBackwardFilter(gpu!, g, x, dy, dw)),
        await channelSum(gpu!, dy, db),
      ]);
      const dxWant = new Float64Array(prod(c.x)), dwWant = new Float64Array(prod(c.k)), dbWant = new Float64Array(g.F);
      cpuConv.conv2dBackwardInput(g, dyv, wv, dxWant);
      cpuConv.conv2dBackwardFilter(g, xv, dyv, dwWant);
      cpuReduce.channelSum(dyv, dbWant);
      compare(`${name} backward_input`, await s.read(dx), dxWant, GPU_BACKWARD);
      compare(`${name} backward_filter`, await s.read(dw), dwWant, GPU_BACKWARD);
      compare(`${name} channel_sum (db)`, await s.read(db), dbWant, GPU_BACKWARD);
    }
  }, family);
}

/** Conv2DTranspose, x [N,h,w,Cin], Keras kernel [KH,KW,Cout,Cin]: all three passes. */
function convTransposeTest(c: ConvCase, family: KernelFamily): () => Promise<void> {
  const fam = (k: Kernel) => { expectConvFamily(k, family); return k; };
  return () => withGpu(gpu!, async (s) => {
    const name = label('conv2dTranspose', c);
    const g = conv2dTransposeGeometry(name, c.x, c.k, c.s, c.pad);
    const r = rng(prod(c.x) + 11 * prod(c.k));
    const ys = [g.N, g.H, g.W, g.C];
    const xv = f32(randn(r, prod(c.x))), wv = f32(randn(r, prod(c.k), 1 / Math.sqrt(g.KH * g.KW * g.F)));
    const bv = f32(randn(r, g.C)), dyv = f32(randn(r, prod(ys)));
    const x = s.tensor(c.x, 'x', xv), w = s.tensor(c.k, 'w', wv), b = s.tensor([g.C], 'b', bv), dy = s.tensor(ys, 'dy', dyv);
    if (c.passes !== 'backward') {
      const y = s.output(ys, 'y');
      s.run(fam(await gpuConv.conv2dTransposeForward(gpu!, g, x, w, b, y)));
      const want = new Float64Array(prod(ys));
      cpuConv.conv2dTransposeForward(g, xv, wv, bv, want);
      compare(`${name} forward`, await s.read(y), want, GPU_FORWARD);
    }
    if (c.passes !== 'forward') {
      const dx = s.output(c.x, 'dx'), dw = s.output(c.k, 'dw'), db = s.output([g.C], 'db');
      s.run([
        fam(await gpuConv.conv2dTransposeBackwardInput(gpu!, g, dy, w, dx)),
        fam(await gpuConv.conv2dTransposeBackwardFilter(gpu!, g, x, dy, dw)),
        await channelSum(gpu!, dy, db),
      ]);
      const dxWant = new Float64Array(prod(c.x)), dwWant = new Float64Array(prod(c.k)), dbWant = new Float64Array(g.C);
      cpuConv.conv2dTransposeBackwardInput(g, dyv, wv, dxWant);
      cpuConv.conv2dTransposeBackwardFilter(g, xv, dyv, dwWant);
      cpuReduce.channelSum(dyv, dbWant);
      compare(`${name} backward_input`, await s.read(dx), dxWant, GPU_BACKWARD);
      compare(`${name} backward_filter`, await s.read(dw), dwWant, GPU_BACKWARD);
      compare(`${name} channel_sum (db)`, await s.read(db), dbWant, GPU_BACKWARD);
    }
  }, family);
}

function denseTest(N: number, I: number, O: number, family: KernelFamily, act: 'linear' | Activation = 'linear'): () => Promise<void> {
  const fam = (k: Kernel) => { expectConvFamily(k, family); return k; };
  return () => withGpu(gpu!, async (s) => {
    const name = `dense ${N}x${I} -> ${O}${act === 'linear' ? '' : ` ${act}`}`;
    const r = rng(N * I + O);
    const xv = f32(randn(r, N * I)), wv = f32(randn(r, I * O, 1 / Math.sqrt(I))), bv = f32(randn(r, O)), dyv = f32(randn(r, N * O));
    const x = s.tensor([N, I], 'x', xv), w = s.tensor([I, O], 'w', wv), b = s.tensor([O], 'b', bv), dy = s.tensor([N, O], 'dy', dyv);
    const y = s.output([N, O], 'y'), dx = s.output([N, I], 'dx'), dw = s.output([I, O], 'dw'), db = s.output([O], 'db');
    s.run([
      fam(await gpuDense.denseForward(gpu!, x, w, b, y, act)),
      fam(await gpuDense.denseBackwardInput(gpu!, dy, w, dx)),
      fam(await gpuDense.denseBackwardFilter(gpu!, x, dy, dw)),
      await channelSum(gpu!, dy, db),
    ]);
    const yWant = new Float64Array(N * O), dxWant = new Float64Array(N * I), dwWant = new Float64Array(I * O), dbWant = new Float64Array(O);
    cpuDense.denseForward(xv, wv, bv, yWant, act);
    cpuDense.denseBackwardInput(dyv, wv, dxWant);
    cpuDense.denseBackwardFilter(xv, dyv, dwWant);
    cpuReduce.channelSum(dyv, dbWant);
    compare(`${name} forward`, await s.read(y), yWant, GPU_FORWARD);
    compare(`${name} backward_input`, await s.read(dx), dxWant, GPU_BACKWARD);
    compare(`${name} backward_filter`, await s.read(dw), dwWant, GPU_BACKWARD);
    compare(`${name} channel_sum (db)`, await s.read(db), dbWant, GPU_BACKWARD);
  }, family);
}

test.skipIf(gpu === null)('splitSum adds the splits in order, vs its CPU twin', () =>
  withGpu(gpu!, async (s) => {
    const r = rng(5);
    const xv = f32(randn(r, 7 * 3 * 301));
    const x = s.tensor([7, 3, 301], 'x', xv), out = s.output([3, 301], 'out');
    s.run(await splitSum(gpu!, x, out));
    const want = new Float64Array(3 * 301);
    cpuReduce.splitSum(xv, want);
    compare('splitSum 7 x [3, 301]', await s.read(out), want, GPU_FORWARD);
    await expectFailure(() => splitSum(gpu!, x, s.tensor([301, 3], 'outT')), /splitSum: x \(x\) has shape \[7, 3, 301\] and out \(outT\) \[301, 3\]/);
  }));

/** <a, b> in f64, and |a| |b|, the Cauchy-Schwarz bound that scales the adjoint tests. */
function dot(a: ArrayLike<number>, b: ArrayLike<number>): { dot: number; bound: number } {
  let d = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return { dot: d, bound: Math.sqrt(aa * bb) };
}

// The LSGAN's layers (SPEC.md). Forward at the training batch of 64; the backward passes at
// batch 8, because at 64 they take minutes on SwiftShader (~0.5 GFLOP/s) and the batch only
// lengthens the sums (K of backward_filter), which the odd shapes below also exercise.
const LSGAN_CONVS: Array<[string, ConvCase['x'], ConvCase['k'], number, 'linear' | Activation]> = [
  ['D conv1', [64, 28, 28, 1], [4, 4, 1, 64], 2, 'linear'],
  ['D conv2', [64, 14, 14, 64], [4, 4, 64, 128], 2, 'linear'],
  ['G final conv + tanh', [64, 28, 28, 64], [7, 7, 64, 1], 1, 'tanh'],
];
const LSGAN_TRANSPOSES: Array<[string, ConvCase['x'], ConvCase['k']]> = [
  ['G convT1', [64, 7, 7, 256], [4, 4, 128, 256]],
  ['G convT2', [64, 14, 14, 128], [4, 4, 64, 128]],
];
const batch = (x: ConvCase['x'], n: number): ConvCase['x'] => [n, x[1], x[2], x[3]];

// Odd shapes: batch 1 and 3, odd H/W where 'same' pads asymmetrically, 1 and 3 channels,
// kernels 3/5/7 and non-square, strides 1/2/3 and mixed, 'valid', channel counts that cross
// the 64-wide tile and the 16-deep k-step, and F <= 4 (the tall tile).
const ODD_CONVS: ConvCase[] = [
  { x: [1, 7, 9, 3], k: [3, 3, 3, 5], s: 1, pad: 'same', passes: 'both' },
  { x: [3, 7, 9, 3], k: [4, 4, 3, 8], s: 2, pad: 'same', passes: 'both' },
  { x: [3, 5, 5, 1], k: [5, 5, 1, 3], s: 2, pad: 'same', passes: 'both' },
  { x: [2, 9, 7, 5], k: [7, 7, 5, 2], s: 1, pad: 'same', passes: 'both' },
  { x: [2, 11, 8, 17], k: [3, 3, 17, 70], s: 2, pad: 'valid', passes: 'both' },
  { x: [1, 5, 5, 1], k: [5, 5, 1, 1], s: 1, pad: 'valid', passes: 'both' },
  { x: [3, 8, 10, 4], k: [3, 5, 4, 65], s: [2, 1], pad: 'same', passes: 'both' },
  { x: [2, 10, 9, 3], k: [4, 3, 3, 6], s: 3, pad: 'same', passes: 'both' },
  { x: [1, 1, 1, 33], k: [1, 1, 33, 3], s: 2, pad: 'same', passes: 'both' },
  // Split-K filter gradients (K = N*OH*OW past 1024, the last split shorter than the others):
  // tall (F = 2, 8 k-lanes per row) and square.
  { x: [5, 23, 19, 3], k: [3, 3, 3, 2], s: 1, pad: 'same', passes: 'both' },
  { x: [4, 20, 18, 5], k: [3, 3, 5, 20], s: 1, pad: 'same', passes: 'backward' },
  // The 128x128 tile (conv2d.test.ts checks the choice), partial in rows and columns (F = 130),
  // K = 135 not a multiple of its 8-deep k-step: forward with bias and LeakyReLU, and split-K
  // filter gradient (17 splits, the last shorter).
  { x: [2, 67, 65, 15], k: [3, 3, 15, 130], s: 1, pad: 'same', passes: 'both', act: 'leaky_relu' },
  // The cpu family's filter gradient read in place (C a multiple of 32) on an odd strided size,
  // and a tap-form filter gradient whose B (dy's taps, 24*28*28 rows) folds past the 16384 limit.
  { x: [3, 9, 7, 32], k: [3, 3, 32, 40], s: 2, pad: 'same', passes: 'both' },
  { x: [24, 28, 28, 4], k: [3, 3, 4, 2], s: 1, pad: 'same', passes: 'backward' },
];
const ODD_TRANSPOSES: ConvCase[] = [
  { x: [3, 5, 5, 3], k: [4, 4, 2, 3], s: 2, pad: 'same', passes: 'both' },
  { x: [1, 4, 3, 70], k: [3, 3, 5, 70], s: 2, pad: 'valid', passes: 'both' },
  { x: [2, 3, 4, 2], k: [1, 1, 17, 2], s: 2, pad: 'valid', passes: 'both' },
  { x: [2, 5, 7, 9], k: [5, 3, 66, 9], s: [1, 2], pad: 'same', passes: 'both' },
  // The cpu family's parity classes read in place (Cin a multiple of 4), unequal classes.
  { x: [2, 5, 7, 8], k: [5, 3, 12, 8], s: [2, 2], pad: 'same', passes: 'both' },
  // The 128x128 tile in backward_input (the transpose's forward): 4 parity classes of unequal
  // size (63x67 output), Cout = 130, taps past the 3x3 kernel.
  { x: [1, 31, 33, 5], k: [3, 3, 130, 5], s: 2, pad: 'valid', passes: 'both' },
];

describe.skipIf(gpu === null).each(FAMILIES)('conv2d kernels vs CPU twins, %s family', (family) => {
  for (const [name, x, k, s, act] of LSGAN_CONVS) {
    test(`${name} forward, batch 64`, convTest({ x, k, s, pad: 'same', passes: 'forward', act }, family));
    test(`${name} backward, batch 8`, convTest({ x: batch(x, 8), k, s, pad: 'same', passes: 'backward' }, family));
  }
  for (const [name, x, k] of LSGAN_TRANSPOSES) {
    test(`${name} forward, batch 64`, convTransposeTest({ x, k, s: 2, pad: 'same', passes: 'forward' }, family));
    test(`${name} backward, batch 8`, convTransposeTest({ x: batch(x, 8), k, s: 2, pad: 'same', passes: 'backward' }, family));
  }
  test('G dense 100 -> 12544, batch 64', denseTest(64, 100, 12544, family));
  test('G dense 100 -> 12544, batch 4 (16-row tile)', denseTest(4, 100, 12544, family));
  test('D dense 6272 -> 1, batch 4', denseTest(4, 6272, 1, family));
  test('D dense 6272 -> 1, batch 64', denseTest(64, 6272, 1, family));
  test('dense 3x17 -> 70, relu', denseTest(3, 17, 70, family, 'relu'));
  for (const c of ODD_CONVS) test(label('conv2d', c), convTest(c, family));
  for (const c of ODD_TRANSPOSES) test(label('conv2dTranspose', c), convTransposeTest(c, family));

  // Large weights push pre-activations to about +-300: tanh must give +-1, never NaN.
  for (const act of ['relu', 'leaky_relu', 'tanh'] as const) {
    for (const k of [[3, 3, 3, 1], [3, 3, 3, 7]] as const) {
      test(`fused ${act} (F=${k[3]}) equals ${act} of the plain output`, () =>
        withGpu(gpu!, async (s) => {
          const g = conv2dGeometry('fused', [2, 6, 5, 3], k, 1, 'same');
          const r = rng(k[3] + act.length);
          const xv = f32(randn(r, 2 * 6 * 5 * 3)), wv = f32(randn(r, prod(k), 60)), bv = f32(randn(r, k[3]));
          const x = s.tensor([2, 6, 5, 3], 'x', xv), w = s.tensor(k, 'w', wv), b = s.tensor([k[3]], 'b', bv);
          const ys = [2, 6, 5, k[3]];
          const fused = s.output(ys, 'fused'), plain = s.output(ys, 'plain');
          s.run([await gpuConv.conv2dForward(gpu!, g, x, w, b, fused, act), await gpuConv.conv2dForward(gpu!, g, x, w, b, plain)]);
          const got = await s.read(fused), pre = await s.read(plain);
          const want = new Float64Array(got.length);
          cpuConv.conv2dForward(g, xv, wv, bv, want, act);
          let maxPre = 0;
          for (const v of pre) maxPre = Math.max(maxPre, Math.abs(v));
          expect(maxPre).toBeGreaterThan(200);
          compare(`fused ${act} F=${k[3]} vs CPU twin`, got, want, GPU_FORWARD);
          compare(`fused ${act} F=${k[3]} vs ${act}(plain)`, got, pre.map((v) => activate(act, v)), { scale: 1e-6, atol: 1e-7 });
        }, family));
    }
  }

  // <conv(x), y> == <x, convT(y)>: the transpose really is the adjoint, on the GPU in f32.
  for (const [x, k, s, pad] of [
    [[2, 14, 14, 8], [4, 4, 8, 16], 2, 'same'],
    [[3, 7, 9, 3], [4, 4, 3, 5], 2, 'same'],
    [[2, 9, 8, 4], [3, 5, 4, 2], [2, 3], 'valid'],
  ] as Array<[ConvCase['x'], ConvCase['k'], number | [number, number], Padding]>) {
    test(`adjoint: <conv(x), y> = <x, convT(y)> for x[${x}] k[${k}] s${s} ${pad}`, () =>
      withGpu(gpu!, async (sc) => {
        const g = conv2dGeometry('adjoint', x, k, s, pad);
        const ys = [g.N, g.OH, g.OW, g.F];
        const r = rng(prod(x) + prod(k));
        const xv = f32(randn(r, prod(x))), wv = f32(randn(r, prod(k))), yv = f32(randn(r, prod(ys)));
        const xt = sc.tensor(x, 'x', xv), wt = sc.tensor(k, 'w', wv), yt = sc.tensor(ys, 'y', yv);
        const convX = sc.output(ys, 'conv(x)'), convTY = sc.output(x, 'convT(y)');
        // A transposed conv takes the geometry of the conv it is the adjoint of: g itself.
        sc.run([await gpuConv.conv2dForward(gpu!, g, xt, wt, null, convX), await gpuConv.conv2dTransposeForward(gpu!, g, yt, wt, null, convTY)]);
        const lhs = dot(await sc.read(convX), yv), rhs = dot(xv, await sc.read(convTY));
        const rel = Math.abs(lhs.dot - rhs.dot) / Math.max(lhs.bound, rhs.bound);
        console.log(`adjoint x[${x}] k[${k}]: <conv(x),y> = ${lhs.dot}, <x,convT(y)> = ${rhs.dot}, |diff|/(|a||b|) = ${rel.toExponential(2)}`);
        expect(rel).toBeLessThan(1e-5);
      }, family));
  }
});

describe.skipIf(gpu === null)('conv2d launchers reject bad input, naming the op and shapes', () => {
  test('conv2d and conv2dTranspose shapes, activation', () =>
    withGpu(gpu!, async (s) => {
      const g = conv2dGeometry('t', [2, 8, 8, 3], [4, 4, 3, 5], 2, 'same');
      const x = s.tensor([2, 8, 8, 3], 'x'), w = s.tensor([4, 4, 3, 5], 'w'), b = s.tensor([5], 'b');
      const y = s.tensor([2, 4, 4, 5], 'y'), wrong = s.tensor([2, 8, 8, 4], 'wrong');
      await expectFailure(() => gpuConv.conv2dForward(gpu!, g, wrong, w, b, y), /conv2dForward: x \(wrong\) has shape \[2, 8, 8, 4\], expected \[2, 8, 8, 3\]/);
      await expectFailure(() => gpuConv.conv2dForward(gpu!, g, x, w, s.tensor([4], 'b4'), y), /conv2dForward: b \(b4\) has shape \[4\], expected \[5\]/);
      await expectFailure(() => gpuConv.conv2dForward(gpu!, g, x, w, b, y, 'gelu' as Activation), /conv2dForward: unsupported activation 'gelu'/);
      await expectFailure(() => gpuConv.conv2dBackwardInput(gpu!, g, y, s.tensor([4, 4, 5, 3], 'wT'), x), /conv2dBackwardInput: w \(wT\) has shape \[4, 4, 5, 3\], expected \[4, 4, 3, 5\]/);
      await expectFailure(() => gpuConv.conv2dBackwardFilter(gpu!, g, x, x, w), /conv2dBackwardFilter: dy \(x\) has shape \[2, 8, 8, 3\], expected \[2, 4, 4, 5\]/);
      const gt = conv2dTransposeGeometry('t', [2, 4, 4, 5], [4, 4, 3, 5], 2, 'same');
      await expectFailure(() => gpuConv.conv2dTransposeForward(gpu!, gt, x, w, null, y), /conv2dTransposeForward: x \(x\) has shape \[2, 8, 8, 3\], expected \[2, 4, 4, 5\]/);
      await expectFailure(() => gpuConv.conv2dTransposeForward(gpu!, gt, y, w, b, x), /conv2dTransposeForward: b \(b\) has shape \[5\], expected \[3\]/);
      await expectFailure(() => gpuConv.conv2dTransposeBackwardInput(gpu!, gt, x, w, x), /conv2dTransposeBackwardInput: dx \(x\) has shape \[2, 8, 8, 3\], expected \[2, 4, 4, 5\]/);
      await expectFailure(() => gpuConv.conv2dTransposeBackwardFilter(gpu!, gt, y, y, w), /conv2dTransposeBackwardFilter: dy \(y\) has shape \[2, 4, 4, 5\], expected \[2, 8, 8, 3\]/);
    }));

  test('dense and channelSum shapes', () =>
    withGpu(gpu!, async (s) => {
      const x = s.tensor([4, 6], 'x'), w = s.tensor([6, 3], 'w'), y = s.tensor([4, 3], 'y');
      await expectFailure(() => gpuDense.denseForward(gpu!, s.tensor([4, 1, 6], 'x3'), w, null, y), /denseForward: x \(x3\) has shape \[4, 1, 6\], expected a matrix/);
      await expectFailure(() => gpuDense.denseForward(gpu!, x, s.tensor([5, 3], 'w5'), null, y), /denseForward: w \(w5\) has shape \[5, 3\], expected \[6, units\] for x \[4, 6\]/);
      await expectFailure(() => gpuDense.denseForward(gpu!, x, w, s.tensor([4], 'b4'), y), /denseForward: b \(b4\) has shape \[4\], expected \[3\]/);
      await expectFailure(() => gpuDense.denseForward(gpu!, x, w, null, s.tensor([3, 4], 'yT')), /denseForward: y \(yT\) has shape \[3, 4\], expected \[4, 3\]/);
      await expectFailure(() => gpuDense.denseBackwardInput(gpu!, x, w, x), /denseBackwardInput: dy \(x\) has shape \[4, 6\], expected \[4, 3\]/);
      await expectFailure(() => gpuDense.denseBackwardFilter(gpu!, x, y, s.tensor([3, 6], 'dwT')), /denseBackwardFilter: dw \(dwT\) has shape \[3, 6\], expected \[6, units\] for x \[4, 6\]/);
      await expectFailure(() => channelSum(gpu!, y, s.tensor([4], 'db4')), /channelSum: out \(db4\) has shape \[4\], expected \[3\] for x \[4, 3\]/);
      await expectFailure(() => channelSum(gpu!, y, s.tensor([1, 3], 'db13')), /channelSum: out \(db13\) has shape \[1, 3\], expected \[3\]/);
    }));

  test('a ShapeError, not a GPU error', async () => {
    const g = conv2dGeometry('t', [1, 4, 4, 1], [3, 3, 1, 2], 1, 'same');
    const t = gpu!.tensor([1, 4, 4, 2], 'bad');
    let error: unknown = null;
    try {
      await gpuConv.conv2dForward(gpu!, g, t, t, null, t);
    } catch (e) {
      error = e;
    }
    t.buffer.destroy();
    expect(error).toBeInstanceOf(ShapeError);
  });
});
