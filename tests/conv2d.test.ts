import { describe, expect, test } from 'vitest';
import { conv2dGeometry, conv2dTransposeGeometry, samePadding, validPadding, type Conv2DGeometry, type Padding } from '../src/kernels/conv-geometry';
import * as conv from '../src/kernels/conv2d.cpu';
import * as dense from '../src/kernels/dense.cpu';
import { ShapeError } from '../src/kernels/errors';
import { convTiling } from '../src/kernels/conv2d';
import { channelSum, splitSum } from '../src/kernels/reduce.cpu';
import { checkGradients } from './helpers/finite-diff';
import { randn, rng } from './helpers/random';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
type Shape4 = [number, number, number, number];

describe('Keras padding math', () => {
  test("'same' matches SPEC.md", () => {
    expect(samePadding(28, 4, 2)).toEqual({ out: 14, before: 1, after: 1 });
    expect(samePadding(14, 4, 2)).toEqual({ out: 7, before: 1, after: 1 });
    expect(samePadding(28, 7, 1)).toEqual({ out: 28, before: 3, after: 3 });
    // An odd total pads one more after: 7 -> 4 with k4 s2 needs 3.
    expect(samePadding(7, 4, 2)).toEqual({ out: 4, before: 1, after: 2 });
    // The kernel fits inside the stride: no padding at all.
    expect(samePadding(8, 1, 2)).toEqual({ out: 4, before: 0, after: 0 });
  });

  test("'valid' keeps only whole windows", () => {
    expect(validPadding(28, 4, 2)).toEqual({ out: 13, before: 0, after: 0 });
    expect(validPadding(5, 5, 1)).toEqual({ out: 1, before: 0, after: 0 });
    expect(validPadding(9, 3, 3)).toEqual({ out: 3, before: 0, after: 0 });
    expect(() => validPadding(3, 4, 1)).toThrow(/validPadding: kernel 4 is larger than the input 3/);
  });

  test('the LSGAN layers get the shapes of SPEC.md', () => {
    const d1 = conv2dGeometry('d1', [64, 28, 28, 1], [4, 4, 1, 64], 2, 'same');
    expect([d1.OH, d1.OW, d1.F, d1.padTop, d1.padBottom, d1.padLeft, d1.padRight]).toEqual([14, 14, 64, 1, 1, 1, 1]);
    const d2 = conv2dGeometry('d2', [64, 14, 14, 64], [4, 4, 64, 128], 2, 'same');
    expect([d2.OH, d2.OW, d2.F, d2.padTop, d2.padBottom]).toEqual([7, 7, 128, 1, 1]);
    const gOut = conv2dGeometry('g', [64, 28, 28, 64], [7, 7, 64, 1], 1, 'same');
    expect([gOut.OH, gOut.OW, gOut.F, gOut.padTop, gOut.padBottom, gOut.padLeft, gOut.padRight]).toEqual([28, 28, 1, 3, 3, 3, 3]);
    // Transposes: the adjoint conv goes from the transpose's output back to its input.
    const t1 = conv2dTransposeGeometry('t1', [64, 7, 7, 256], [4, 4, 128, 256], 2, 'same');
    expect([t1.N, t1.H, t1.W, t1.C, t1.OH, t1.OW, t1.F, t1.padTop, t1.padBottom]).toEqual([64, 14, 14, 128, 7, 7, 256, 1, 1]);
    const t2 = conv2dTransposeGeometry('t2', [64, 14, 14, 128], [4, 4, 64, 128], 2, 'same');
    expect([t2.H, t2.W, t2.C, t2.OH, t2.F]).toEqual([28, 28, 64, 14, 128]);
  });

  test("transposed 'valid' follows Keras' deconv_output_length", () => {
    const a = conv2dTransposeGeometry('a', [1, 4, 3, 2], [3, 3, 5, 2], 2, 'valid');
    expect([a.H, a.W, a.OH, a.OW]).toEqual([9, 7, 4, 3]); // (h - 1) * s + k
    const b = conv2dTransposeGeometry('b', [1, 4, 3, 2], [1, 1, 5, 2], 2, 'valid');
    expect([b.H, b.W, b.OH, b.OW]).toEqual([8, 6, 4, 3]); // k < s: h * s
    const c = conv2dTransposeGeometry('c', [1, 7, 5, 2], [4, 4, 5, 2], 2, 'same');
    expect([c.H, c.W, c.OH, c.OW, c.padTop, c.padBottom]).toEqual([14, 10, 7, 5, 1, 1]);
  });
});

describe('geometry rejects bad input, naming the op and the shapes', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['non-4-D x', () => conv2dGeometry('myconv', [5, 5, 3], [3, 3, 3, 2], 1, 'same'), /myconv: x shape \[5, 5, 3\] must be 4-D .*x \[5, 5, 3\], kernel \[3, 3, 3, 2\]/],
    ['non-4-D kernel', () => conv2dGeometry('myconv', [1, 5, 5, 3], [3, 3, 3], 1, 'same'), /myconv: kernel shape \[3, 3, 3\] must be 4-D/],
    ['zero size', () => conv2dGeometry('myconv', [0, 5, 5, 3], [3, 3, 3, 2], 1, 'same'), /myconv: x shape \[0, 5, 5, 3\] must be 4-D with positive integer sizes/],
    ['fractional size', () => conv2dGeometry('myconv', [1, 5.5, 5, 3], [3, 3, 3, 2], 1, 'same'), /myconv: x shape \[1, 5.5, 5, 3\]/],
    ['channel mismatch', () => conv2dGeometry('myconv', [1, 5, 5, 3], [3, 3, 4, 2], 1, 'same'), /myconv: kernel expects 4 input channels, x has 3 \(x \[1, 5, 5, 3\], kernel \[3, 3, 4, 2\]\)/],
    ['stride 0', () => conv2dGeometry('myconv', [1, 5, 5, 3], [3, 3, 3, 2], 0, 'same'), /myconv: strides 0 must be one or two positive integers \(x \[1, 5, 5, 3\], kernel \[3, 3, 3, 2\]\)/],
    ['fractional stride', () => conv2dGeometry('myconv', [1, 5, 5, 3], [3, 3, 3, 2], [2, 1.5], 'same'), /myconv: strides \[2,1.5\]/],
    ['kernel larger than input', () => conv2dGeometry('myconv', [1, 5, 3, 3], [3, 4, 3, 2], 1, 'valid'), /myconv: kernel 4 is larger than the input 3 with 'valid' padding \(x \[1, 5, 3, 3\], kernel \[3, 4, 3, 2\]\)/],
    ['unknown padding', () => conv2dGeometry('myconv', [1, 5, 5, 3], [3, 3, 3, 2], 1, 'causal' as Padding), /myconv: unsupported padding 'causal'/],
    ['transpose channel mismatch', () => conv2dTransposeGeometry('myconvT', [1, 7, 7, 256], [4, 4, 128, 64], 2, 'same'), /myconvT: kernel expects 64 input channels, x has 256 \(x \[1, 7, 7, 256\], kernel \[4, 4, 128, 64\]\)/],
    ['transpose non-4-D', () => conv2dTransposeGeometry('myconvT', [7, 7, 256], [4, 4, 128, 256], 2, 'same'), /myconvT: x shape \[7, 7, 256\] must be 4-D/],
    ['transpose unknown padding', () => conv2dTransposeGeometry('myconvT', [1, 7, 7, 2], [4, 4, 1, 2], 2, 'full' as Padding), /myconvT: unsupported padding 'full'/],
  ];
  for (const [what, fn, pattern] of cases) {
    test(what, () => {
      expect(fn).toThrow(ShapeError);
      expect(fn).toThrow(pattern);
    });
  }
});

interface Case {
  x: Shape4;
  k: Shape4;
  s: number | [number, number];
  pad: Padding;
}

// Small odd shapes: asymmetric 'same' padding, strides 1/2/3 and mixed, non-square kernels.
const CASES: Case[] = [
  { x: [2, 5, 7, 3], k: [4, 4, 3, 2], s: 2, pad: 'same' },
  { x: [1, 6, 5, 2], k: [3, 3, 2, 3], s: 1, pad: 'valid' },
  { x: [3, 7, 5, 1], k: [3, 5, 1, 2], s: [2, 1], pad: 'same' },
  { x: [1, 7, 8, 2], k: [3, 2, 2, 1], s: 3, pad: 'same' },
  { x: [2, 7, 7, 2], k: [7, 7, 2, 1], s: 1, pad: 'same' },
];
const caseName = (c: Case) => `x[${c.x}] k[${c.k}] s${c.s} ${c.pad}`;

describe('conv2d CPU twins vs finite differences', () => {
  for (const c of CASES) {
    test(`Conv2D ${caseName(c)}: dx, dw, db`, () => {
      const g = conv2dGeometry('fd', c.x, c.k, c.s, c.pad);
      const r = rng(prod(c.x) + prod(c.k));
      const x = randn(r, prod(c.x)), w = randn(r, prod(c.k)), b = randn(r, g.F);
      const ySize = g.N * g.OH * g.OW * g.F;
      const dOut = randn(r, ySize);
      const dx = new Float64Array(x.length), dw = new Float64Array(w.length), db = new Float64Array(g.F);
      conv.conv2dBackwardInput(g, dOut, w, dx);
      conv.conv2dBackwardFilter(g, x, dOut, dw);
      channelSum(dOut, db);
      checkGradients({
        label: `conv2d ${caseName(c)}`, rng: r, inputs: { x, w, b }, dOut, analytic: { x: dx, w: dw, b: db },
        forward: () => { const y = new Float64Array(ySize); conv.conv2dForward(g, x, w, b, y); return y; },
      });
    });

    test(`Conv2DTranspose ${caseName(c)}: dx, dw, db`, () => {
      // The transpose whose adjoint is this case's conv: x [N,OH,OW,F] -> [N,H,W,C].
      const cg = conv2dGeometry('fd', c.x, c.k, c.s, c.pad);
      const r = rng(prod(c.x) * 3 + prod(c.k));
      const x = randn(r, cg.N * cg.OH * cg.OW * cg.F), w = randn(r, prod(c.k)), b = randn(r, cg.C);
      const ySize = prod(c.x);
      const dOut = randn(r, ySize);
      const dx = new Float64Array(x.length), dw = new Float64Array(w.length), db = new Float64Array(cg.C);
      conv.conv2dTransposeBackwardInput(cg, dOut, w, dx);
      conv.conv2dTransposeBackwardFilter(cg, x, dOut, dw);
      channelSum(dOut, db);
      checkGradients({
        label: `conv2dTranspose ${caseName(c)}`, rng: r, inputs: { x, w, b }, dOut, analytic: { x: dx, w: dw, b: db },
        forward: () => { const y = new Float64Array(ySize); conv.conv2dTransposeForward(cg, x, w, b, y); return y; },
      });
    });

    test(`adjoint in f64 ${caseName(c)}: <conv(x), y> = <x, convT(y)>`, () => {
      const g = conv2dGeometry('adjoint', c.x, c.k, c.s, c.pad);
      const r = rng(prod(c.x) * 5 + prod(c.k));
      const x = randn(r, prod(c.x)), w = randn(r, prod(c.k)), y = randn(r, g.N * g.OH * g.OW * g.F);
      const cx = new Float64Array(y.length), ty = new Float64Array(x.length);
      conv.conv2dForward(g, x, w, null, cx);
      conv.conv2dTransposeForward(g, y, w, null, ty);
      let lhs = 0, rhs = 0, scale = 0;
      for (let i = 0; i < y.length; i++) { lhs += cx[i] * y[i]; scale += Math.abs(cx[i] * y[i]); }
      for (let i = 0; i < x.length; i++) rhs += x[i] * ty[i];
      expect(Math.abs(lhs - rhs) / scale).toBeLessThan(1e-12);
    });
  }

  test('Dense [3, 7] -> 5: dx, dw, db', () => {
    const r = rng(35);
    const N = 3, I = 7, O = 5;
    const x = randn(r, N * I), w = randn(r, I * O), b = randn(r, O), dOut = randn(r, N * O);
    const dx = new Float64Array(N * I), dw = new Float64Array(I * O), db = new Float64Array(O);
    dense.denseBackwardInput(dOut, w, dx);
    dense.denseBackwardFilter(x, dOut, dw);
    channelSum(dOut, db);
    checkGradients({
      label: 'dense 3x7 -> 5', rng: r, inputs: { x, w, b }, dOut, analytic: { x: dx, w: dw, b: db },
      forward: () => { const y = new Float64Array(N * O); dense.denseForward(x, w, b, y); return y; },
    });
  });

  test('Dense is the 1x1 convolution on a 1x1 image, activation included', () => {
    const r = rng(36);
    const N = 4, I = 6, O = 3;
    const x = randn(r, N * I, 3), w = randn(r, I * O), b = randn(r, O);
    const yDense = new Float64Array(N * O), yConv = new Float64Array(N * O);
    dense.denseForward(x, w, b, yDense, 'leaky_relu');
    conv.conv2dForward(conv2dGeometry('dense', [N, 1, 1, I], [1, 1, I, O], 1, 'valid'), x, w, b, yConv, 'leaky_relu');
    expect(Array.from(yDense)).toEqual(Array.from(yConv));
    expect(yDense.some((v) => v < 0)).toBe(true);
    expect(() => dense.denseForward(x, w, b, new Float64Array(N * O + 1))).toThrow(/denseForward: lengths/);
  });
});

/** Conv2DTranspose from its textbook definition (PyTorch's ConvTranspose2d with padding p):
 *  every input pixel (i, j) adds x * w[kh, kw] at output (i*s + kh - p, j*s + kw - p). */
function transposeByScatter(x: Float64Array, xs: Shape4, w: Float64Array, ws: Shape4, s: number, p: number, outH: number, outW: number): Float64Array {
  const [N, h, wd, Cin] = xs, [KH, KW, Cout] = ws;
  const y = new Float64Array(N * outH * outW * Cout);
  for (let n = 0; n < N; n++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) for (let ci = 0; ci < Cin; ci++) {
    const v = x[((n * h + i) * wd + j) * Cin + ci];
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const oh = i * s + kh - p, ow = j * s + kw - p;
      if (oh < 0 || ow < 0 || oh >= outH || ow >= outW) continue;
      for (let co = 0; co < Cout; co++) y[((n * outH + oh) * outW + ow) * Cout + co] += v * w[((kh * KW + kw) * Cout + co) * Cin + ci];
    }
  }
  return y;
}

describe('Conv2DTranspose matches its textbook definition', () => {
  // SPEC.md: for k=4, s=2, 'same' is PyTorch's ConvTranspose2d(k=4, s=2, p=1); 'valid' is p=0.
  for (const [xs, ws, pad, p] of [
    [[2, 3, 4, 3], [4, 4, 2, 3], 'same', 1],
    [[1, 3, 2, 2], [3, 3, 2, 2], 'valid', 0],
  ] as Array<[Shape4, Shape4, Padding, number]>) {
    test(`x[${xs}] k[${ws}] s2 ${pad}`, () => {
      const g: Conv2DGeometry = conv2dTransposeGeometry('t', xs, ws, 2, pad);
      const r = rng(prod(xs));
      const x = randn(r, prod(xs)), w = randn(r, prod(ws));
      const want = transposeByScatter(x, xs, w, ws, 2, p, g.H, g.W);
      const got = new Float64Array(want.length);
      conv.conv2dTransposeForward(g, x, w, null, got);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 12);
    });
  }
});

describe('splitSum twin (split-K partial sums added up)', () => {
  test('sums the first axis, overwriting out', () => {
    const x = Float64Array.from([1, 2, 3, 10, 20, 30, 100, 200, 300]);
    const out = new Float64Array(3).fill(NaN);
    splitSum(x, out);
    expect(Array.from(out)).toEqual([111, 222, 333]);
  });
});

describe('conv tiling: how the LSGAN GEMMs are cut (conv2d.wgsl header)', () => {
  const g = (x: Shape4, k: Shape4, s: number) => conv2dGeometry('t', x, k, s, 'same');
  test('long filter gradients split K; forward passes never do', () => {
    // G final conv 7x7 64 -> 1 at batch 64: tall, 13 row blocks, K = 50176 split in 20.
    const fin = convTiling('backward_filter', g([64, 28, 28, 64], [7, 7, 64, 1], 1));
    expect(fin).toMatchObject({ tall: true, KL: 1, TC: 1, splits: 20 });
    expect(fin.ks * fin.splits).toBeGreaterThanOrEqual(64 * 28 * 28);
    expect(fin.ks * (fin.splits - 1)).toBeLessThan(64 * 28 * 28);
    // D conv1 (Cin = 1) at batch 32: one 16-row tile, K = 6272.
    expect(convTiling('backward_filter', g([32, 28, 28, 1], [4, 4, 1, 64], 2))).toMatchObject({ tall: false, RI: 1, splits: 12, grid: [1, 1, 12] });
    // Short K: no split.
    expect(convTiling('backward_filter', g([8, 14, 14, 64], [4, 4, 64, 128], 2)).splits).toBe(1);
    expect(convTiling('forward', g([64, 28, 28, 64], [7, 7, 64, 1], 1))).toMatchObject({ tall: true, KL: 16, splits: 1, grid: [3136, 1, 1] });
  });
  test('few rows: more k-lanes (tall) or a 16-row tile (square)', () => {
    const dense = (N: number, I: number, O: number) => conv2dGeometry('t', [N, 1, 1, I], [1, 1, I, O], 1, 'valid');
    expect(convTiling('forward', dense(8, 6272, 1))).toMatchObject({ tall: true, KL: 256, grid: [8, 1, 1] });
    expect(convTiling('forward', dense(8, 100, 12544))).toMatchObject({ tall: false, RI: 1, grid: [1, 196, 1] });
    expect(convTiling('forward', dense(32, 100, 12544))).toMatchObject({ RI: 2 });
    expect(convTiling('forward', dense(64, 100, 12544))).toMatchObject({ RI: 4, RJ: 4 });
  });
  test('the 128x128 tile where enough workgroups remain', () => {
    // G convT1's forward at batch 64: 25 row tiles x 1 x 4 parity classes.
    const t1 = conv2dTransposeGeometry('t1', [64, 7, 7, 256], [4, 4, 128, 256], 2, 'same');
    expect(convTiling('backward_input', t1)).toMatchObject({ tall: false, RI: 8, RJ: 8, grid: [25, 1, 4] });
    // Its filter gradient: 16 x 2 tiles, split-K fills the grid.
    expect(convTiling('backward_filter', t1)).toMatchObject({ RI: 8, RJ: 8, splits: 6, grid: [16, 2, 6] });
    // D conv2's forward: 25 x 1 big tiles would be too few; 64 columns keep 64x64.
    expect(convTiling('forward', g([64, 14, 14, 64], [4, 4, 64, 128], 2))).toMatchObject({ RI: 4, RJ: 4, grid: [49, 2, 1] });
    expect(convTiling('backward_input', g([64, 14, 14, 64], [4, 4, 64, 128], 2))).toMatchObject({ RI: 4, RJ: 4 });
    // Dense 100 -> 12544's filter gradient: 100 rows, 98 column tiles.
    expect(convTiling('backward_filter', conv2dGeometry('t', [64, 1, 1, 100], [1, 1, 100, 12544], 1, 'valid'))).toMatchObject({ RI: 8, RJ: 8, grid: [1, 98, 1] });
    // The odd shapes conv2d.gpu.test.ts runs through the big tile.
    expect(convTiling('forward', g([2, 67, 65, 15], [3, 3, 15, 130], 1))).toMatchObject({ RI: 8, RJ: 8, grid: [69, 2, 1] });
    const bf = convTiling('backward_filter', g([2, 67, 65, 15], [3, 3, 15, 130], 1));
    expect(bf).toMatchObject({ RI: 8, RJ: 8, splits: 17, grid: [2, 2, 17] });
    expect(bf.ks * bf.splits).toBeGreaterThan(2 * 67 * 65);
    expect(convTiling('backward_input', conv2dTransposeGeometry('o', [1, 31, 33, 5], [3, 3, 130, 5], 2, 'valid'))).toMatchObject({ RI: 8, RJ: 8, grid: [9, 2, 4] });
  });
});
