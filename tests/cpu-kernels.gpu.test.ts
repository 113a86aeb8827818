import { describe, expect, test } from 'vitest';
import { conv2dGeometry, conv2dTransposeGeometry, type Conv2DGeometry } from '../src/kernels/conv-geometry';
import * as gpuConv from '../src/kernels/conv2d';
import * as cpuConv from '../src/kernels/conv2d.cpu';
import { operand, operandSize, packKernel, tapsKernel, vectorPack, type Operand, type PackSpec } from '../src/kernels/gemm-cpu';
import * as twin from '../src/kernels/gemm-cpu.cpu';
import type { Gpu } from '../src/kernels/gpu';
import { compare } from './helpers/compare';
import { testGpu, withGpu, type Scope } from './helpers/gpu';
import { f32, randn, rng } from './helpers/random';
import { GPU_BACKWARD, GPU_FORWARD } from './helpers/tolerances';

// The cpu kernel family's own entry points (pack-cpu.wgsl, taps-cpu.wgsl) against their CPU
// twins (gemm-cpu.cpu.ts), and the family's fallback without subgroups. Its GEMM is checked
// through the convolutions in conv2d.gpu.test.ts (both families).

const gpu = await testGpu();
const noSubgroups = await testGpu({ subgroups: false });
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** An operand read back as [count * rows, 4 * w4] floats, unfolding B's texture blocks. */
async function readOperand(g: Gpu, o: Operand): Promise<Float64Array> {
  const total = o.rows * o.count, cols = 4 * o.w4;
  if (o.buffer !== null) return Float64Array.from(await g.read(o.buffer));
  const [width, height] = operandSize(o.rows, o.w4, o.count, Math.floor(Math.log2(g.device.limits.maxTextureDimension2D)));
  const bytesPerRow = Math.ceil((width * 16) / 256) * 256;
  const staging = g.device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const enc = g.device.createCommandEncoder();
  enc.copyTextureToBuffer({ texture: o.texture! }, { buffer: staging, bytesPerRow }, [width, height]);
  g.device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const raw = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  const out = new Float64Array(total * cols);
  for (let r = 0; r < total; r++) {
    const block = Math.floor(r / height), y = r % height;
    for (let j = 0; j < cols; j++) out[r * cols + j] = raw[y * (bytesPerRow / 4) + (block * o.w4) * 4 + j];
  }
  return out;
}

interface PackCase { what: string; spec: PackSpec; src: number; rows: number; cols: number; count?: number }

// Geometries: an odd strided conv (asymmetric 'same' padding, unequal parity classes), the
// LSGAN's D conv2 at batch 2, and the 7x7 -> 1 conv's tap forms.
const odd = conv2dGeometry('odd', [2, 7, 9, 4], [4, 4, 4, 8], 2, 'same');
const d2 = conv2dGeometry('D conv2', [2, 14, 14, 64], [4, 4, 64, 128], 2, 'same');
const c7 = conv2dGeometry('7x7', [2, 28, 28, 8], [7, 7, 8, 1], 1, 'same');
const tT = conv2dTransposeGeometry('convT odd', [1, 5, 3, 8], [4, 4, 12, 8], 2, 'same');
const xs = (g: Conv2DGeometry) => g.N * g.H * g.W * g.C, ys = (g: Conv2DGeometry) => g.N * g.OH * g.OW * g.F, ws = (g: Conv2DGeometry) => g.KH * g.KW * g.C * g.F;
const classRows = (g: Conv2DGeometry) => g.N * Math.ceil(g.H / g.strideH) * Math.ceil(g.W / g.strideW);
const classK = (g: Conv2DGeometry) => Math.ceil(g.KH / g.strideH) * Math.ceil(g.KW / g.strideW) * g.F;
const PACKS: PackCase[] = [
  { what: 'im2col, odd', spec: { mode: 'im2col', g: odd, M: odd.N * odd.OH * odd.OW, J: 64 }, src: xs(odd), rows: 64, cols: 64 },
  { what: 'im2col, C = 3 (scalar loads)', spec: { mode: 'im2col', g: conv2dGeometry('c3', [1, 5, 6, 3], [3, 3, 3, 8], 2, 'same'), M: 9, J: 27 }, src: 90, rows: 16, cols: 28 },
  { what: 'im2col_t, 3 splits', spec: { mode: 'im2col_t', g: odd, M: 64, J: 12, kz: 12, Kt: 2 * 4 * 5 }, src: xs(odd), rows: 64, cols: 12, count: 4 },
  { what: 'class_rows, odd classes', spec: { mode: 'class_rows', g: tT, M: classRows(tT), J: classK(tT) }, src: tT.N * tT.OH * tT.OW * tT.F, rows: 8, cols: classK(tT), count: 4 },
  { what: 'class_rows, D conv2', spec: { mode: 'class_rows', g: d2, M: classRows(d2), J: classK(d2) }, src: ys(d2), rows: 128, cols: classK(d2), count: 4 },
  { what: 'class_w, odd', spec: { mode: 'class_w', g: tT, M: classK(tT), J: tT.C }, src: ws(tT), rows: classK(tT), cols: 32, count: 4 },
  { what: 'matrix, row-major (vec4)', spec: { mode: 'matrix', g: d2, M: 1024, J: 128, strides: { rs: 128, cs0: 1 } }, src: ws(d2), rows: 1024, cols: 128 },
  { what: 'matrix, transposed with splits', spec: { mode: 'matrix', g: c7, M: 8, J: 400, kz: 400, Kt: 1568, strides: { rs: 1, cs0: 8 } }, src: xs(c7), rows: 8, cols: 400, count: 4 },
  { what: 'matrix, w as [c, (tap, f)]', spec: { mode: 'matrix', g: c7, M: 8, J: 49, strides: { rs: 1, kd: 1, cs0: 8, cs1: 8 } }, src: ws(c7), rows: 8, cols: 64 },
  { what: 'col, 7x7 taps of dy', spec: { mode: 'col', g: c7, M: 1568, J: 49 }, src: ys(c7), rows: 1568, cols: 64 },
];

describe.skipIf(gpu === null)('cpu family: pack-cpu.wgsl vs its CPU twin (exact copies)', () => {
  for (const c of PACKS) {
    for (const role of ['A', 'B'] as const) {
      test(`${c.what} into ${role === 'A' ? 'a buffer' : 'a texture'}${vectorPack(c.spec) ? ' (vec4)' : ''}`, () =>
        withGpu(gpu!, async (s) => {
          const r = rng(c.src + c.rows);
          const srcV = f32(randn(r, c.src));
          const src = s.tensor([c.src], 'src', srcV);
          const { operand: o, hold } = operand(gpu!, role, c.what, c.rows, Math.ceil(c.cols / 4), c.count ?? 1);
          try {
            s.run(await packKernel(gpu!, c.what, c.spec, src, o));
            const got = await readOperand(gpu!, o);
            const want = twin.packOperand(c.spec, srcV, o.rows, o.w4, o.count);
            let bad = 0;
            for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) bad++;
            console.log(`${c.what} (${role}): ${want.length} floats, ${bad} differ`);
            expect(bad).toBe(0);
          } finally {
            hold.destroy();
          }
        }));
    }
  }
  test('a taller B folds into columns past the texture limit', () => {
    const fold = 13;
    expect(operandSize(3 * 8192 + 5, 16, 1, fold)).toEqual([64, 8192]);
    expect(operandSize(100, 16, 3, fold)).toEqual([16, 300]);
  });
});

describe.skipIf(gpu === null)('cpu family: taps-cpu.wgsl vs its CPU twin', () => {
  for (const [what, g] of [['7x7 -> 1', c7], ['odd 4x4 s2 -> 8', odd]] as const) {
    test(`gather_taps (forward) and scatter_taps (input gradient), ${what}`, () =>
      withGpu(gpu!, async (s) => {
        const r = rng(g.N * g.H);
        const fcols = g.KH * g.KW * g.F, bcols = g.KH * g.KW * g.C;
        const tf = f32(randn(r, g.N * g.H * g.W * fcols)), tb = f32(randn(r, g.N * g.OH * g.OW * bcols));
        const bf = f32(randn(r, g.F)), bc = f32(randn(r, g.C));
        const y = s.output([g.N, g.OH, g.OW, g.F], 'y'), dx = s.output([g.N, g.H, g.W, g.C], 'dx');
        s.run([
          await tapsKernel(gpu!, what, 'gather_taps', g, s.tensor([tf.length], 'tf', tf), fcols, y, s.tensor([g.F], 'bf', bf), 3),
          await tapsKernel(gpu!, what, 'scatter_taps', g, s.tensor([tb.length], 'tb', tb), bcols, dx, s.tensor([g.C], 'bc', bc), 0),
        ]);
        const yW = new Float64Array(ys(g)), dxW = new Float64Array(xs(g));
        twin.gatherTaps(g, tf, fcols, bf, yW, 'tanh');
        twin.scatterTaps(g, tb, bcols, bc, dxW);
        compare(`gather_taps ${what}`, await s.read(y), yW, GPU_FORWARD);
        compare(`scatter_taps ${what}`, await s.read(dx), dxW, GPU_FORWARD);
      }, 'cpu'));
  }
});

/** Conv2D's three passes on `device` in the cpu family, against the twins. */
function convCheck(device: Gpu, x: number[], k: number[], stride: number): (s: Scope) => Promise<void> {
  return async (s) => {
    const g = conv2dGeometry('fallback', x, k, stride, 'same');
    const r = rng(prod(x) + prod(k));
    const xv = f32(randn(r, prod(x))), wv = f32(randn(r, prod(k), 0.1)), bv = f32(randn(r, g.F)), dyv = f32(randn(r, ys(g)));
    const xt = s.tensor(x, 'x', xv), wt = s.tensor(k, 'w', wv), bt = s.tensor([g.F], 'b', bv), dyt = s.tensor([g.N, g.OH, g.OW, g.F], 'dy', dyv);
    const y = s.output([g.N, g.OH, g.OW, g.F], 'y'), dx = s.output(x, 'dx'), dw = s.output(k, 'dw');
    const ks = [
      await gpuConv.conv2dForward(device, g, xt, wt, bt, y, 'relu'),
      await gpuConv.conv2dBackwardInput(device, g, dyt, wt, dx),
      await gpuConv.conv2dBackwardFilter(device, g, xt, dyt, dw),
    ];
    for (const kn of ks) expect(kn.name).toMatch(/^conv2d-cpu:/);
    // Without subgroups nothing is gathered in place: every A is packed, every GEMM loads its rows.
    for (const kn of ks) for (const d of [kn, ...kn.then]) expect(d.name).not.toMatch(/implicit| A (pixels|transposed)| shuffle/);
    s.run(ks);
    const yW = new Float64Array(ys(g)), dxW = new Float64Array(prod(x)), dwW = new Float64Array(prod(k));
    cpuConv.conv2dForward(g, xv, wv, bv, yW, 'relu');
    cpuConv.conv2dBackwardInput(g, dyv, wv, dxW);
    cpuConv.conv2dBackwardFilter(g, xv, dyv, dwW);
    compare(`fallback forward x[${x}] k[${k}]`, await s.read(y), yW, GPU_FORWARD);
    compare(`fallback backward_input x[${x}] k[${k}]`, await s.read(dx), dxW, GPU_BACKWARD);
    compare(`fallback backward_filter x[${x}] k[${k}]`, await s.read(dw), dwW, GPU_BACKWARD);
  };
}

describe.skipIf(noSubgroups === null)('cpu family without subgroups: every lane loads the rows', () => {
  test('the device has no subgroup size', () => expect(noSubgroups!.subgroupSize).toBeNull());
  for (const [x, k, stride] of [
    [[2, 14, 14, 64], [4, 4, 64, 128], 2],
    [[2, 28, 28, 8], [7, 7, 8, 1], 1],
    [[3, 7, 9, 3], [4, 4, 3, 40], 2],
    [[2, 9, 7, 32], [3, 3, 32, 40], 2],
  ] as Array<[number[], number[], number]>) {
    test(`conv2d x[${x}] k[${k}] s${stride}: all three passes`, () => withGpu(noSubgroups!, convCheck(noSubgroups!, x, k, stride), 'cpu'));
  }
});

describe.skipIf(gpu === null)('cpu family: operands past the device limits', () => {
  test('a weight too wide for a texture (70,000 columns) falls back to the gpu family, correctly', () =>
    withGpu(gpu!, async (s) => {
      const F = 70_000;
      expect(F / 4).toBeGreaterThan(gpu!.device.limits.maxTextureDimension2D);
      const g = conv2dGeometry('wide dense', [2, 1, 1, 4], [1, 1, 4, F], 1, 'valid');
      const r = rng(9);
      const xv = f32(randn(r, 8)), wv = f32(randn(r, 4 * F)), bv = f32(randn(r, F));
      const y = s.output([2, 1, 1, F], 'y');
      const k = await gpuConv.conv2dForward(gpu!, g, s.tensor([2, 1, 1, 4], 'x', xv), s.tensor([1, 1, 4, F], 'w', wv), s.tensor([F], 'b', bv), y);
      expect(k.name).toMatch(/^conv2d\.wgsl:forward/);
      s.run(k);
      const want = new Float64Array(2 * F);
      cpuConv.conv2dForward(g, xv, wv, bv, want);
      compare('wide dense forward (fallback)', await s.read(y), want, GPU_FORWARD);
    }, 'cpu'));
});
