// The cpu kernel family's convolutions: each of conv2d.wgsl's three GEMMs (forward,
// backward_input, backward_filter) as packing kernels, the texture GEMM of gemm-cpu.wgsl and, where
// a side has few channels, the tap sums of taps-cpu.wgsl, chained into one Kernel (so the
// profiler and the benchmark time the packing with the GEMM). conv2d.ts calls it when
// gpu.kernels is 'cpu'; the math is the same, so the CPU twins are those of conv2d.cpu.ts.
//
// The GEMM each entry runs (C = input channels, F = output channels, T = KH*KW taps):
//   forward, F > 4:        rows (n,oh,ow), k (kh,kw,c), cols f      A im2col(x), B w
//   forward, F <= 4:       rows input pixels, k c, cols (tap,f)     A x, B w as [c, (tap,f)];
//                          then gather_taps adds each output's taps (+ bias, activation)
//   backward_input, C > 4: per parity class, rows (n,a,b), k (jh,jw,f), cols c
//   backward_input, C <= 4: rows output pixels, k f, cols (tap,c)  A dy, B w as [f, (tap,c)];
//                          then scatter_taps adds each input pixel's taps (+ bias)
//   backward_filter, F > 4: rows (kh,kw,c), k (n,oh,ow), cols f    A im2col(x) transposed, B dy
//   backward_filter, F <= 4: rows c, k input pixels, cols (tap,f)  A x transposed, B the taps of
//                          dy at each input pixel; stored transposed into dw
// Filter gradients split K where the grid would be small or A too wide for a texture; the
// partial sums are added by reduce.wgsl:split_sum in a fixed order.

import type { Activation } from './activation';
import { activationCode } from './activation';
import type { Conv2DGeometry } from './conv-geometry';
import {
  gemmKernel, operand, packKernel, roundUp, rowGroups, tapsKernel, TILE_COLS,
  type GemmA, type Operand, type PackSpec,
} from './gemm-cpu';
import type { Gpu, Tensor } from './gpu';
import { chainKernels, type Kernel, type Owned } from './kernel';
import { splitSum } from './reduce';

export type Entry = 'forward' | 'backward_input' | 'backward_filter';

/** Past this many channels on the small side, the plain GEMM beats the tap form. */
const TAP_MAX_CHANNELS = 4;
/** Split-K: aim for this many workgroups, each split summing at least MIN_SPLIT_K4 texels of k. */
const SPLIT_TARGET_WORKGROUPS = 32;
const MIN_SPLIT_K4 = 128;
/** Widest split (texels of k): keeps A inside the WebGPU baseline texture width of 8192. */
const MAX_SPLIT_K4 = 4096;

/** Splits of K4 texels of k for a grid of xy workgroups: [splits, texels per split]. */
export function splitK(K4: number, xy: number): [number, number] {
  const want = Math.max(Math.ceil(K4 / MAX_SPLIT_K4), Math.min(Math.ceil(SPLIT_TARGET_WORKGROUPS / xy), Math.floor(K4 / MIN_SPLIT_K4)));
  if (want <= 1) return [1, K4];
  const ks = Math.ceil(K4 / want);
  return [Math.ceil(K4 / ks), ks];
}

/** What a plan made: its kernels in order and what they alone hold. */
class Plan {
  readonly kernels: Kernel[] = [];
  readonly owned: Owned[] = [];
  constructor(readonly gpu: Gpu, readonly name: string) {}

  operand(role: 'A' | 'B', rows: number, cols: number, count = 1): Operand {
    const { operand: o, hold } = operand(this.gpu, role, this.name, rows, roundUp(cols, 4) / 4, count);
    this.owned.push(hold);
    return o;
  }

  scratch(shape: number[], what: string): Tensor {
    const t = this.gpu.tensor(shape, `${this.name} ${what}`);
    this.owned.push(t.buffer);
    return t;
  }

  async pack(spec: PackSpec, src: Tensor, dst: Operand): Promise<void> {
    this.kernels.push(await packKernel(this.gpu, this.name, spec, src, dst));
  }

  /**
   * A = src as a [rows, cols] row-major matrix: src itself where that is already the packed
   * layout (rows whole tiles, cols a multiple of 4), which saves a copy of the whole image (the
   * 7x7 convolution's x: 22 ms of 110 at batch 64 on lavapipe); else a packed copy.
   */
  async matrixA(g: Conv2DGeometry, src: Tensor, rows: number, cols: number): Promise<Operand> {
    if (tileRows(rows) === rows && cols % 4 === 0 && src.size === rows * cols) {
      return { role: 'A', buffer: src, texture: null, rows, w4: cols / 4, count: 1 };
    }
    const A = this.operand('A', tileRows(rows), cols);
    await this.pack({ mode: 'matrix', g, M: rows, J: cols, strides: { rs: cols, cs0: 1 } }, src, A);
    return A;
  }

  async add(k: Promise<Kernel>): Promise<void> {
    this.kernels.push(await k);
  }

  kernel(name: string, flops: number, bytes: number): Kernel {
    const [first, ...rest] = this.kernels;
    return chainKernels(first, rest, name, flops, bytes, this.owned);
  }
}

const tileRows = (M: number) => roundUp(M, 8 * rowGroups(M));
const colTexels = (N: number) => roundUp(N, TILE_COLS);

/**
 * The cpu family's kernel for one conv2d.wgsl entry: a = the gathered operand (x, dy, x),
 * b = the dense one (w, w, dy), out as conv2d.ts's launch. Named "conv2d-cpu:<entry> <name> <form>".
 */
export async function conv2dCpu(
  gpu: Gpu, name: string, entry: Entry, g: Conv2DGeometry,
  a: Tensor, b: Tensor, out: Tensor, bias: Tensor | null, activation: 'linear' | Activation,
  flops: number, bytes: number,
): Promise<Kernel> {
  const plan = new Plan(gpu, name);
  try {
    const form = await buildPlan(plan, entry, g, a, b, out, bias, activation, flops);
    return plan.kernel(`conv2d-cpu:${entry} ${name} ${form}`, flops, bytes);
  } catch (e) {
    // Nothing half-made stays behind (conv2d.ts falls back to the gpu family on a CapacityError).
    for (const k of plan.kernels) k.destroy();
    for (const o of plan.owned) o.destroy();
    throw e;
  }
}

/** Records the kernels of one entry's GEMM into `plan`; returns the form it chose. */
async function buildPlan(
  plan: Plan, entry: Entry, g: Conv2DGeometry, a: Tensor, b: Tensor, out: Tensor,
  bias: Tensor | null, activation: 'linear' | Activation, flops: number,
): Promise<string> {
  const { gpu, name } = plan;
  const act = (activation === 'linear' ? 0 : activationCode(name, activation) + 1) as 0 | 1 | 2 | 3;
  // The gathering GEMMs read A in place; they need subgroup shuffles to share it.
  const gather = gpu.subgroupSize === 8;
  const T = g.KH * g.KW;
  let form: string;
  if (entry === 'forward' && g.F <= TAP_MAX_CHANNELS) {
    form = 'taps';
    const P = g.N * g.H * g.W, cols = T * g.F;
    const A = await plan.matrixA(g, a, P, g.C), B = plan.operand('B', roundUp(g.C, 4), colTexels(cols));
    await plan.pack({ mode: 'matrix', g, M: g.C, J: cols, strides: { rs: g.F, kd: g.F, cs0: 1, cs1: g.C * g.F } }, b, B);
    const t = plan.scratch([P, cols], 'taps');
    await plan.add(gemmKernel(gpu, name, { a: { mode: 'packed', operand: A }, b: B, M: P, N: cols, segments: 1, steps: A.w4, bRowsPerZ: 0, count: 1, out: 'dense' }, t, 2 * P * cols * g.C));
    await plan.add(tapsKernel(gpu, name, 'gather_taps', g, t, cols, out, bias, act));
  } else if (entry === 'forward') {
    const M = g.N * g.OH * g.OW, K = T * g.C;
    const B = plan.operand('B', roundUp(K, 4), colTexels(g.F));
    await plan.pack({ mode: 'matrix', g, M: K, J: g.F, strides: { rs: g.F, cs0: 1 } }, b, B);
    const common = { b: B, M, N: g.F, bRowsPerZ: 0, count: 1, out: 'dense' as const, bias, activation: act, g };
    if (gather && g.C % 4 === 0) {
      form = 'implicit';
      await plan.add(gemmKernel(gpu, name, { ...common, a: { mode: 'pixels', src: a, forward: true, channels: g.C }, segments: T, steps: g.C / 4 }, out, flops));
    } else {
      form = 'im2col';
      const A = plan.operand('A', tileRows(M), K);
      plan.kernels.unshift(await packKernel(gpu, name, { mode: 'im2col', g, M, J: K }, a, A));
      await plan.add(gemmKernel(gpu, name, { ...common, a: { mode: 'packed', operand: A }, segments: 1, steps: A.w4 }, out, flops));
    }
  } else if (entry === 'backward_input' && g.C <= TAP_MAX_CHANNELS) {
    form = 'taps';
    const P = g.N * g.OH * g.OW, cols = T * g.C;
    const A = await plan.matrixA(g, a, P, g.F), B = plan.operand('B', roundUp(g.F, 4), colTexels(cols));
    await plan.pack({ mode: 'matrix', g, M: g.F, J: cols, strides: { rs: 1, kd: g.C, cs0: g.F, cs1: g.C * g.F } }, b, B);
    const t = plan.scratch([P, cols], 'taps');
    await plan.add(gemmKernel(gpu, name, { a: { mode: 'packed', operand: A }, b: B, M: P, N: cols, segments: 1, steps: A.w4, bRowsPerZ: 0, count: 1, out: 'dense' }, t, 2 * P * cols * g.F));
    await plan.add(tapsKernel(gpu, name, 'scatter_taps', g, t, cols, out, bias, 0));
  } else if (entry === 'backward_input') {
    const classes = g.strideH * g.strideW;
    const Mc = g.N * Math.ceil(g.H / g.strideH) * Math.ceil(g.W / g.strideW);
    const taps = Math.ceil(g.KH / g.strideH) * Math.ceil(g.KW / g.strideW), Kc = taps * g.F;
    const B = plan.operand('B', roundUp(Kc, 4), colTexels(g.C), classes);
    await plan.pack({ mode: 'class_w', g, M: Kc, J: g.C }, b, B);
    const common = { b: B, M: Mc, N: g.C, bRowsPerZ: B.rows, count: classes, out: 'classes' as const, bias, g };
    if (gather && g.F % 4 === 0) {
      form = 'implicit classes';
      await plan.add(gemmKernel(gpu, name, { ...common, a: { mode: 'pixels', src: a, forward: false, channels: g.F }, segments: taps, steps: g.F / 4 }, out, flops));
    } else {
      form = 'classes';
      const A = plan.operand('A', tileRows(Mc), Kc, classes);
      plan.kernels.unshift(await packKernel(gpu, name, { mode: 'class_rows', g, M: Mc, J: Kc }, a, A));
      await plan.add(gemmKernel(gpu, name, { ...common, a: { mode: 'packed', operand: A }, segments: 1, steps: A.w4 }, out, flops));
    }
  } else {
    // backward_filter: the GEMM's K runs over pixels and is split; partial sums go to a scratch.
    const tap = g.F <= TAP_MAX_CHANNELS;
    const implicit = !tap && gather && g.C % 32 === 0;
    form = tap ? 'taps' : implicit ? 'implicit' : 'im2col';
    const [M, K, N] = tap ? [g.C, g.N * g.H * g.W, T * g.F] : [T * g.C, g.N * g.OH * g.OW, g.F];
    const K4 = Math.ceil(K / 4);
    const [splits, ks4] = splitK(K4, (tileRows(M) / (8 * rowGroups(M))) * Math.ceil(N / TILE_COLS));
    const B = plan.operand('B', splits * ks4 * 4, colTexels(N));
    const split = { kz: 4 * ks4, Kt: K };
    let A: GemmA;
    if (tap) {
      const packed = plan.operand('A', tileRows(M), 4 * ks4, splits);
      await plan.pack({ mode: 'matrix', g, M, J: 4 * ks4, ...split, strides: { rs: 1, cs0: g.C } }, a, packed);
      await plan.pack({ mode: 'col', g, M: K, J: N }, b, B);
      A = { mode: 'packed', operand: packed };
    } else {
      await plan.pack({ mode: 'matrix', g, M: K, J: N, strides: { rs: N, cs0: 1 } }, b, B);
      if (implicit) A = { mode: 'transposed', src: a };
      else {
        const packed = plan.operand('A', tileRows(M), 4 * ks4, splits);
        await plan.pack({ mode: 'im2col_t', g, M, J: 4 * ks4, ...split }, a, packed);
        A = { mode: 'packed', operand: packed };
      }
    }
    const partials = splits > 1 ? plan.scratch([splits, ...out.shape], 'split-K partials') : out;
    const outSpec = tap ? { out: 'tap_major' as const, tapC: g.C, tapF: g.F } : { out: 'dense' as const, ldo: N };
    await plan.add(gemmKernel(gpu, name, { a: A, b: B, M, N, segments: 1, steps: ks4, bRowsPerZ: 4 * ks4, count: splits, outPerZ: out.size, g, ...outSpec }, partials, flops));
    if (splits > 1) await plan.add(splitSum(gpu, partials, out));
    if (splits > 1) form += ` split-K ${splits}`;
  }
  return form;
}
