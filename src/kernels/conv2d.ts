// Launchers for shaders/conv2d.wgsl: Conv2D forward and both gradients, and Conv2DTranspose
// expressed through them (a transposed conv is the input gradient of its adjoint conv, as in
// TensorFlow.js: three kernels serve six ops). CPU twins: conv2d.cpu.ts.

import code from '../../shaders/conv2d.wgsl?raw';
import { activationCode, LEAKY_ALPHA, type Activation } from './activation';
import type { Conv2DGeometry } from './conv-geometry';
import type { Gpu, Tensor } from './gpu';
import { conv2dCpu } from './conv2d-cpu';
import { CapacityError } from './gemm-cpu';
import { chainKernels, expectShape, prepareKernel, type Kernel } from './kernel';
import { splitSum } from './reduce';

export type Entry = 'forward' | 'backward_input' | 'backward_filter';

/** Past this many output columns a 64-column tile wastes less than the tall one re-gathers. */
const TALL_MAX_COLS = 4;

/** Split-K (backward_filter): aim for this many workgroups, each summing at least MIN_SPLIT_K k. */
const SPLIT_TARGET_WORKGROUPS = 256;
const MIN_SPLIT_K = 512;

/**
 * The big square tile (128x128, 8x8 outputs per thread) where the GEMM has more than 64 rows,
 * at least 128 columns, and its grid (with parity classes or split-K) keeps at least this many
 * workgroups. On lavapipe it runs about twice as fast as 64x64; 128x64 (8x4 per thread) ran
 * slower than 64x64 there, so 64-column GEMMs keep 64x64.
 */
const BIG_TILE_MIN_WORKGROUPS = 64;

const pow2ceil = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

function geometryString(g: Conv2DGeometry): string {
  return `${g.N}x${g.H}x${g.W}x${g.C} k${g.KH}x${g.KW} s${g.strideH}x${g.strideW} -> ${g.OH}x${g.OW}x${g.F}`;
}

/** The GEMM's shape and how it is cut into workgroups (see the header of conv2d.wgsl). */
export interface ConvTiling {
  tall: boolean;
  /** Square tile: rows and columns per thread (tile 16*RI x 16*RJ). */
  RI: number;
  RJ: number;
  /** Tall tile: k-lanes per row (rows per workgroup 256/KL) and columns (= cols). */
  KL: number;
  TC: number;
  /** backward_filter's split-K: splits and k per split (splits = 1: no split). */
  splits: number;
  ks: number;
  grid: [number, number, number];
}

export function convTiling(entry: Entry, g: Conv2DGeometry): ConvTiling {
  // GEMM rows, columns and depth; backward_input's rows are those of its largest parity class.
  const [M, cols, K, classes] =
    entry === 'forward' ? [g.N * g.OH * g.OW, g.F, g.KH * g.KW * g.C, 1]
    : entry === 'backward_input' ? [g.N * Math.ceil(g.H / g.strideH) * Math.ceil(g.W / g.strideW), g.C, Math.ceil(g.KH / g.strideH) * Math.ceil(g.KW / g.strideW) * g.F, g.strideH * g.strideW]
    : [g.KH * g.KW * g.C, g.F, g.N * g.OH * g.OW, 1];
  const tall = cols <= TALL_MAX_COLS;
  let RI = 4, RJ = 4, KL = 1, TC = 4, gx: number, gy: number;
  // backward_filter's split-K for a grid of xy workgroups: aim for SPLIT_TARGET_WORKGROUPS, each
  // split summing at least MIN_SPLIT_K k. [splits, k per split].
  const split = (xy: number): [number, number] => {
    if (entry !== 'backward_filter') return [1, K];
    const want = Math.min(Math.ceil(SPLIT_TARGET_WORKGROUPS / xy), Math.floor(K / MIN_SPLIT_K));
    if (want <= 1) return [1, K];
    const k = 16 * Math.ceil(K / want / 16);
    return [Math.ceil(K / k), k];
  };
  if (tall) {
    // forward / backward_input: k runs along the channel, so k-lanes read neighbouring floats;
    // few rows get more lanes (Dense 6272 -> 1 at batch 8: 8 workgroups of 256 lanes, not one
    // workgroup of 8 busy threads). backward_filter: rows run along the channel, one per thread.
    const rows = entry === 'backward_filter' ? Math.min(256, pow2ceil(M)) : Math.min(16, pow2ceil(Math.ceil(M / 64)));
    KL = 256 / rows;
    TC = cols;
    [gx, gy] = [Math.ceil(M / rows), 1];
  } else {
    RI = Math.min(4, pow2ceil(Math.ceil(M / 16)));
    if (M > 64 && cols >= 128) {
      const xy = Math.ceil(M / 128) * Math.ceil(cols / 128);
      if (xy * classes * split(xy)[0] >= BIG_TILE_MIN_WORKGROUPS) [RI, RJ] = [8, 8];
    }
    [gx, gy] = [Math.ceil(M / (16 * RI)), Math.ceil(cols / (16 * RJ))];
  }
  const [splits, ks] = split(gx * gy);
  return { tall, RI, RJ, KL, TC, splits, ks, grid: [gx, gy, entry === 'backward_filter' ? splits : classes] };
}

async function launch(
  gpu: Gpu, op: string, entry: Entry, g: Conv2DGeometry,
  a: Tensor, b: Tensor, out: Tensor, bias: Tensor | null, activation: 'linear' | Activation,
): Promise<Kernel> {
  const act = activation === 'linear' ? 0 : activationCode(op, activation) + 1;
  const flops = 2 * g.N * g.OH * g.OW * g.F * g.KH * g.KW * g.C;
  const bytes = 4 * (a.size + b.size + out.size + (bias?.size ?? 0));
  const label = `${op} ${geometryString(g)}${bias === null ? '' : ' +bias'}${act === 0 ? '' : ` +${activation}`}`;
  // The one switch between the families (gpu.ts: KernelFamily): same math, same twins. A GEMM
  // whose operands outgrow the device's buffers or textures (batch 256 at 28x28) stays gpu-class.
  if (gpu.kernels === 'cpu') {
    try {
      return await conv2dCpu(gpu, label, entry, g, a, b, out, bias, activation, flops, bytes);
    } catch (e) {
      if (!(e instanceof CapacityError)) throw e;
    }
  }
  const t = convTiling(entry, g);
  const params = gpu.uniform(op, [
    ['u32', g.N], ['u32', g.H], ['u32', g.W], ['u32', g.C],
    ['u32', g.KH], ['u32', g.KW], ['u32', g.F], ['u32', g.strideH],
    ['u32', g.strideW], ['u32', g.padTop], ['u32', g.padLeft], ['u32', g.OH],
    ['u32', g.OW], ['f32', LEAKY_ALPHA], ['u32', t.ks],
  ]);
  // Split-K writes its partial sums to a scratch made here, once, and split_sum adds them into out.
  const partials = t.splits > 1 ? gpu.tensor([t.splits, ...out.shape], `${op} split-K partials`) : null;
  const bindings: Array<Tensor | GPUBuffer> = [params, a, b, partials ?? out];
  // backward_filter never mentions the bias binding; the others need something bound there.
  if (entry !== 'backward_filter') bindings.push(bias ?? b);
  const tiling = t.tall ? ` tall KL=${t.KL}` : t.RI === 8 ? ` tile128x${16 * t.RJ}` : t.RI !== 4 ? ` RI=${t.RI}` : '';
  const name = `conv2d.wgsl:${entry} ${label}${tiling}${t.splits > 1 ? ` split-K ${t.splits}` : ''}`;
  const gemm = await prepareKernel(gpu, {
    file: 'conv2d.wgsl', code, entry,
    constants: { HAS_BIAS: bias === null ? 0 : 1, ACT: act, TALL: t.tall ? 1 : 0, RI: t.RI, RJ: t.RJ, KL: t.KL, TC: t.TC },
    bindings,
    grid: t.grid,
    name, flops, bytes,
    scratch: partials === null ? [] : [partials.buffer],
  });
  if (partials === null) return gemm;
  return chainKernels(gemm, [await splitSum(gpu, partials, out)], name, flops, bytes);
}

const xShape = (g: Conv2DGeometry) => [g.N, g.H, g.W, g.C];
const yShape = (g: Conv2DGeometry) => [g.N, g.OH, g.OW, g.F];
const wShape = (g: Conv2DGeometry) => [g.KH, g.KW, g.C, g.F];

/** y = act(conv(x, w) + b), x [N,H,W,C], w [KH,KW,C,F], b [F], y [N,OH,OW,F]; overwrites y. */
export function conv2dForward(gpu: Gpu, g: Conv2DGeometry, x: Tensor, w: Tensor, b: Tensor | null, y: Tensor, activation: 'linear' | Activation = 'linear'): Promise<Kernel> {
  const op = 'conv2dForward';
  expectShape(op, 'x', x, xShape(g));
  expectShape(op, 'w', w, wShape(g));
  if (b !== null) expectShape(op, 'b', b, [g.F]);
  expectShape(op, 'y', y, yShape(g));
  return launch(gpu, op, 'forward', g, x, w, y, b, activation);
}

/** dx [N,H,W,C] from dy [N,OH,OW,F] (the gradient before any fused activation); overwrites dx. */
export function conv2dBackwardInput(gpu: Gpu, g: Conv2DGeometry, dy: Tensor, w: Tensor, dx: Tensor): Promise<Kernel> {
  const op = 'conv2dBackwardInput';
  expectShape(op, 'dy', dy, yShape(g));
  expectShape(op, 'w', w, wShape(g));
  expectShape(op, 'dx', dx, xShape(g));
  return launch(gpu, op, 'backward_input', g, dy, w, dx, null, 'linear');
}

/** dw [KH,KW,C,F] from x and dy; overwrites dw. */
export function conv2dBackwardFilter(gpu: Gpu, g: Conv2DGeometry, x: Tensor, dy: Tensor, dw: Tensor): Promise<Kernel> {
  const op = 'conv2dBackwardFilter';
  expectShape(op, 'x', x, xShape(g));
  expectShape(op, 'dy', dy, yShape(g));
  expectShape(op, 'dw', dw, wShape(g));
  return launch(gpu, op, 'backward_filter', g, x, dy, dw, null, 'linear');
}

// Conv2DTranspose with g from conv2dTransposeGeometry: the transpose maps x [N,OH,OW,F] =
// [N,h,w,Cin] to y [N,H,W,C] = [N,H_T,W_T,Cout], kernel [KH,KW,C,F] = Keras' [KH,KW,Cout,Cin].

/** y = convT(x, w) + b[Cout]; overwrites y. */
export function conv2dTransposeForward(gpu: Gpu, g: Conv2DGeometry, x: Tensor, w: Tensor, b: Tensor | null, y: Tensor): Promise<Kernel> {
  const op = 'conv2dTransposeForward';
  expectShape(op, 'x', x, yShape(g));
  expectShape(op, 'w', w, wShape(g));
  if (b !== null) expectShape(op, 'b', b, [g.C]);
  expectShape(op, 'y', y, xShape(g));
  return launch(gpu, op, 'backward_input', g, x, w, y, b, 'linear');
}

/** dx [N,h,w,Cin] = conv(dy, w), no bias; overwrites dx. */
export function conv2dTransposeBackwardInput(gpu: Gpu, g: Conv2DGeometry, dy: Tensor, w: Tensor, dx: Tensor): Promise<Kernel> {
  const op = 'conv2dTransposeBackwardInput';
  expectShape(op, 'dy', dy, xShape(g));
  expectShape(op, 'w', w, wShape(g));
  expectShape(op, 'dx', dx, yShape(g));
  return launch(gpu, op, 'forward', g, dy, w, dx, null, 'linear');
}

/** dw [KH,KW,Cout,Cin]: the adjoint conv's filter gradient with x and dy exchanged; overwrites dw. */
export function conv2dTransposeBackwardFilter(gpu: Gpu, g: Conv2DGeometry, x: Tensor, dy: Tensor, dw: Tensor): Promise<Kernel> {
  const op = 'conv2dTransposeBackwardFilter';
  expectShape(op, 'x', x, yShape(g));
  expectShape(op, 'dy', dy, xShape(g));
  expectShape(op, 'dw', dw, wShape(g));
  return launch(gpu, op, 'backward_filter', g, dy, x, dw, null, 'linear');
}
