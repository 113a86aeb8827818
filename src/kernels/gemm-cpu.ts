// Launchers for the cpu family's GEMM pieces: operand textures, shaders/pack-cpu.wgsl (packing),
// shaders/gemm-cpu.wgsl (the GEMM, behind one of two preludes) and shaders/taps-cpu.wgsl (the tap
// forms' sums). conv2d-cpu.ts composes them into the convolutions; CPU twins: gemm-cpu.cpu.ts.

import gemmBody from '../../shaders/gemm-cpu.wgsl?raw';
import gemmLoads from '../../shaders/gemm-cpu-loads.wgsl?raw';
import gemmShuffle from '../../shaders/gemm-cpu-shuffle.wgsl?raw';
import packCode from '../../shaders/pack-cpu.wgsl?raw';
import tapsCode from '../../shaders/taps-cpu.wgsl?raw';
import { LEAKY_ALPHA } from './activation';
import type { Conv2DGeometry } from './conv-geometry';
import { ShapeError } from './errors';
import { Tensor, type Gpu } from './gpu';
import { grid1d, prepareKernel, type Kernel, type Owned } from './kernel';

/** An operand too large for this device's buffers or textures: conv2d.ts then uses the gpu family. */
export class CapacityError extends ShapeError {}

/** Columns per GEMM workgroup: 8 lanes x one texel. */
export const TILE_COLS = 32;

/** Rows per workgroup for a GEMM of M rows: 8, 16 or 32 (ROW_GROUPS 1, 2, 4). */
export function rowGroups(M: number): 1 | 2 | 4 {
  return M <= 8 ? 1 : M <= 16 ? 2 : 4;
}

export const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** log2 of the fold height: the largest power of two the device's textures allow. */
export function foldLog2(gpu: Gpu): number {
  return Math.floor(Math.log2(gpu.device.limits.maxTextureDimension2D));
}

/**
 * `count` matrices of `rows` x 4*w4 floats (rows padded to whole tiles): A in a storage buffer
 * (vec4 r * w4 + t), B in a texture (rows past 2^fold continue in the next block of w4 columns).
 */
export interface Operand {
  role: 'A' | 'B';
  /** A's buffer, as a Tensor so that kernels binding it do not take it for their own uniforms. */
  buffer: Tensor | null;
  texture: GPUTexture | null;
  rows: number;
  w4: number;
  count: number;
}

/** B's texture size: rows past 2^fold continue in the next block of w4 columns. */
export function operandSize(rows: number, w4: number, count: number, fold: number): [number, number] {
  const total = rows * count;
  return [w4 * Math.ceil(total / 2 ** fold), Math.min(total, 2 ** fold)];
}

// Operands are shared by every kernel of a device that asks for the same role and size: each
// GEMM packs its operands right before it reads them, in the same pass, so a later GEMM may
// overwrite them. A hold counts the kernels that use one; the last one frees it.
const pools = new WeakMap<GPUDevice, Map<string, { resource: GPUBuffer | GPUTexture; holds: number }>>();

export function operand(gpu: Gpu, role: 'A' | 'B', label: string, rows: number, w4: number, count = 1): { operand: Operand; hold: Owned } {
  const limits = gpu.device.limits;
  let key: string;
  let make: () => GPUBuffer | GPUTexture;
  if (role === 'A') {
    const bytes = 16 * rows * w4 * count;
    if (bytes > limits.maxStorageBufferBindingSize) {
      throw new CapacityError(`${label}: its ${rows * count} x ${4 * w4} operand needs ${bytes} bytes, more than this device's ${limits.maxStorageBufferBindingSize}-byte storage binding (the cpu kernel family's limit; --kernels gpu has none)`);
    }
    key = `A ${bytes}`;
    make = () => gpu.device.createBuffer({ label: `cpu-family operand ${key}`, size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  } else {
    const [width, height] = operandSize(rows, w4, count, foldLog2(gpu));
    if (width > limits.maxTextureDimension2D) {
      throw new CapacityError(`${label}: its ${rows * count} x ${4 * w4} operand needs a ${width}-texel-wide texture, more than this device's ${limits.maxTextureDimension2D} (the cpu kernel family's limit; --kernels gpu has none)`);
    }
    key = `B ${width}x${height}`;
    make = () => gpu.device.createTexture({
      label: `cpu-family operand ${key}`, size: [width, height], format: 'rgba32float',
      usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC,
    });
  }
  let pool = pools.get(gpu.device);
  if (pool === undefined) pools.set(gpu.device, (pool = new Map()));
  let entry = pool.get(key);
  if (entry === undefined) pool.set(key, (entry = { resource: make(), holds: 0 }));
  const e = entry;
  e.holds += 1;
  let released = false;
  const hold = {
    destroy: () => {
      if (released) return;
      released = true;
      if (--e.holds === 0) { e.resource.destroy(); pool!.delete(key); }
    },
  };
  const buffer = role === 'A' ? new Tensor(e.resource as GPUBuffer, [rows * count, 4 * w4], `${label} A`) : null;
  const texture = role === 'B' ? (e.resource as GPUTexture) : null;
  return { operand: { role, buffer, texture, rows, w4, count }, hold };
}

export type PackMode = 'im2col' | 'im2col_t' | 'class_rows' | 'class_w' | 'matrix' | 'col';
const PACK_MODE: Record<PackMode, number> = { im2col: 0, im2col_t: 1, class_rows: 2, class_w: 3, matrix: 4, col: 5 };

/** A strided view for 'matrix': element (r, k) = src[base + r*rs + floor(k/kd)*cs1 + (k%kd)*cs0]. */
export interface Strides {
  rs: number;
  cs0: number;
  cs1?: number;
  kd?: number;
  base?: number;
}

export interface PackSpec {
  mode: PackMode;
  g: Conv2DGeometry;
  /** Rows and columns holding data; the rest of the operand is zeros. */
  M: number;
  J: number;
  /** Split layouts: each GEMM z covers k from z*kz, of Kt in all. */
  kz?: number;
  Kt?: number;
  strides?: Strides;
}

/** Whether every texel of the packed operand is one aligned vec4 of src (or zeros): see pack-cpu.wgsl's VEC. */
export function vectorPack(spec: PackSpec): boolean {
  const { mode, g, J } = spec, s = spec.strides;
  const kt = spec.Kt ?? J;
  if (J % 4 !== 0 || kt % 4 !== 0 || (spec.kz ?? 0) % 4 !== 0) return false;
  if (mode === 'im2col') return g.C % 4 === 0;
  if (mode === 'class_rows') return g.F % 4 === 0;
  if (mode === 'matrix' && s !== undefined) return s.cs0 === 1 && s.rs % 4 === 0 && (s.base ?? 0) % 4 === 0 && (s.kd ?? 2 ** 31) % 4 === 0 && (s.cs1 ?? 0) % 4 === 0;
  return false;
}

export function packKernel(gpu: Gpu, name: string, spec: PackSpec, src: Tensor, dst: Operand): Promise<Kernel> {
  const { g, M, J } = spec, s = spec.strides ?? { rs: 0, cs0: 0 };
  const texels = dst.rows * dst.w4;
  const grid = grid1d(Math.ceil(texels / 64));
  // The shape as override constants (see pack-cpu.wgsl: divisions by constants are cheap).
  const constants = {
    MODE: PACK_MODE[spec.mode], ROWS: dst.rows, W4: dst.w4, FOLD: foldLog2(gpu), M, J,
    KZ: spec.kz ?? 0, KT: spec.Kt ?? J, GROUPS_X: grid[0],
    N: g.N, H: g.H, W: g.W, C: g.C, KH: g.KH, KW: g.KW, F: g.F, SH: g.strideH, SW: g.strideW,
    PAD_T: g.padTop, PAD_L: g.padLeft, OH: g.OH, OW: g.OW,
    RS: s.rs, CS0: s.cs0, CS1: s.cs1 ?? 0, KD: s.kd ?? 2 ** 31, BASE: s.base ?? 0,
  };
  return prepareKernel(gpu, {
    file: 'pack-cpu.wgsl', code: packCode, entry: dst.role === 'A' ? 'to_buffer' : 'to_texture',
    constants: { ...constants, VEC: vectorPack(spec) ? 1 : 0 },
    bindings: [src, src, (dst.buffer ?? dst.texture)!],
    grid: [grid[0], grid[1], dst.count],
    name: `pack-cpu.wgsl:pack ${spec.mode} ${name} ${dst.count > 1 ? `${dst.count}x` : ''}${dst.rows}x${4 * dst.w4}`,
    flops: 0, bytes: 4 * (M * J * dst.count + texels * 4 * dst.count),
  });
}

// What the GEMM binds for a bias it does not have ('auto' layouts want every binding the entry
// point mentions, and the output cannot be bound twice): one small buffer per device.
const noBias = new WeakMap<GPUDevice, Tensor>();
function unusedBias(gpu: Gpu): Tensor {
  let t = noBias.get(gpu.device);
  if (t === undefined) noBias.set(gpu.device, (t = gpu.tensor([4], 'gemm-cpu: no bias')));
  return t;
}

export type GemmOut = 'dense' | 'classes' | 'tap_major';
const GEMM_OUT: Record<GemmOut, number> = { dense: 0, classes: 1, tap_major: 2 };

/**
 * Where the GEMM's A comes from (gemm-cpu.wgsl's AMODE): a packed operand (0), or gathered in
 * place from the image (shuffle prelude only): rows = pixels reading x (forward) or a class's
 * input pixels reading dy (1; the channels a multiple of 4), or rows = (tap, channel) and k = the
 * output pixels of x (2, filter gradients; C a multiple of 32).
 */
export type GemmA =
  | { mode: 'packed'; operand: Operand }
  | { mode: 'pixels'; src: Tensor; forward: boolean; channels: number }
  | { mode: 'transposed'; src: Tensor };

export interface GemmSpec {
  a: GemmA;
  b: Operand;
  /** Output rows and columns of each GEMM z (classes: the largest class's rows). */
  M: number;
  N: number;
  /** k = segments x steps texels (segments: taps for 'pixels', else 1); GEMM z reads B from row z * bRowsPerZ. */
  segments: number;
  steps: number;
  bRowsPerZ: number;
  count: number;
  out: GemmOut;
  /** dense: the output's row stride; dense and tap_major: each z's offset (split-K partials). */
  ldo?: number;
  outPerZ?: number;
  bias?: Tensor | null;
  activation?: 0 | 1 | 2 | 3;
  /** The convolution (gathering modes, classes). */
  g?: Conv2DGeometry;
  /** tap_major: C rows, F per tap. */
  tapC?: number;
  tapF?: number;
}

/** The GEMM; the shuffle prelude where the subgroups are the 8-invocation workgroup. */
export function gemmKernel(gpu: Gpu, name: string, spec: GemmSpec, dst: Tensor, flops: number): Promise<Kernel> {
  const shuffle = gpu.subgroupSize === 8;
  const rg = rowGroups(spec.M);
  const a = spec.a;
  if (a.mode !== 'packed' && !shuffle) throw new ShapeError(`${name}: A gathered in place needs subgroup shuffles`);
  if (a.mode === 'packed' && a.operand.rows % (8 * rg) !== 0) throw new ShapeError(`${name}: A's ${a.operand.rows} rows are not whole tiles of ${8 * rg}`);
  if (a.mode === 'transposed' && (spec.g === undefined || spec.g.C % 32 !== 0 || spec.M % (8 * rg) !== 0)) throw new ShapeError(`${name}: a transposed A needs C a multiple of 32 and whole tiles`);
  const rowsPerZ = a.mode === 'packed' ? a.operand.rows : roundUp(spec.M, 8 * rg);
  const g = spec.g;
  // Only the modes are override constants (one pipeline per mode: see gemm-cpu.wgsl); shapes are uniforms.
  const constants: Record<string, number> = {
    ROW_GROUPS: rg, AMODE: { packed: 0, pixels: 1, transposed: 2 }[a.mode], FORWARD: a.mode === 'pixels' && !a.forward ? 0 : 1,
    OUT: GEMM_OUT[spec.out], HAS_BIAS: (spec.bias ?? null) === null ? 0 : 1, ACT: spec.activation ?? 0, ALPHA: LEAKY_ALPHA,
  };
  const params = gpu.uniform(name, [
    ['u32', spec.segments], ['u32', spec.steps],
    ['u32', a.mode === 'packed' ? a.operand.w4 : a.mode === 'pixels' ? a.channels / 4 : 1], ['u32', a.mode === 'packed' ? a.operand.rows : 0],
    ['u32', spec.b.w4], ['u32', spec.bRowsPerZ], ['u32', foldLog2(gpu)], ['u32', spec.M],
    ['u32', spec.N], ['u32', spec.ldo ?? spec.N], ['u32', spec.outPerZ ?? 0], ['u32', spec.tapC ?? 1],
    ['u32', spec.tapF ?? 1], ['u32', g?.N ?? 1], ['u32', g?.H ?? 1], ['u32', g?.W ?? 1],
    ['u32', g?.C ?? 4], ['u32', g?.KH ?? 1], ['u32', g?.KW ?? 1], ['u32', g?.F ?? 1],
    ['u32', g?.strideH ?? 1], ['u32', g?.strideW ?? 1], ['u32', g?.padTop ?? 0], ['u32', g?.padLeft ?? 0],
    ['u32', g?.OH ?? 1], ['u32', g?.OW ?? 1],
  ]);
  const aBinding = a.mode === 'packed' ? a.operand.buffer! : a.src;
  return prepareKernel(gpu, {
    file: shuffle ? 'gemm-cpu.wgsl (shuffle)' : 'gemm-cpu.wgsl (loads)',
    code: `${shuffle ? gemmShuffle : gemmLoads}\n${gemmBody}`,
    entry: 'gemm',
    constants,
    bindings: [params, aBinding, spec.b.texture!, dst, spec.bias ?? unusedBias(gpu)],
    grid: [rowsPerZ / (8 * rg), Math.ceil(spec.N / TILE_COLS), spec.count],
    name: `gemm-cpu.wgsl:gemm ${name} ${spec.count > 1 ? `${spec.count}x` : ''}${spec.M}x${spec.N}x${4 * spec.segments * spec.steps} A ${a.mode} ${spec.out}${shuffle ? ' shuffle' : ' loads'}`,
    flops, bytes: 4 * (spec.M * 4 * spec.segments * spec.steps + 4 * spec.segments * spec.steps * 4 * spec.b.w4) * spec.count,
  });
}

/** taps-cpu.wgsl: gather_taps (forward, F <= 4) or scatter_taps (backward_input, C <= 4) from t [*, ld]. */
export function tapsKernel(
  gpu: Gpu, name: string, entry: 'gather_taps' | 'scatter_taps', g: Conv2DGeometry,
  t: Tensor, ld: number, dst: Tensor, bias: Tensor | null, activation: 0 | 1 | 2 | 3,
): Promise<Kernel> {
  const grid = grid1d(Math.ceil(dst.size / 64));
  const params = gpu.uniform(name, [
    ['u32', g.N], ['u32', g.H], ['u32', g.W], ['u32', g.C],
    ['u32', g.KH], ['u32', g.KW], ['u32', g.F], ['u32', g.strideH],
    ['u32', g.strideW], ['u32', g.padTop], ['u32', g.padLeft], ['u32', g.OH],
    ['u32', g.OW], ['f32', LEAKY_ALPHA], ['u32', ld], ['u32', grid[0]],
  ]);
  return prepareKernel(gpu, {
    file: 'taps-cpu.wgsl', code: tapsCode, entry,
    constants: { HAS_BIAS: bias === null ? 0 : 1, ACT: activation },
    bindings: [params, t, dst, bias ?? t],
    grid,
    name: `taps-cpu.wgsl:${entry} ${name}`,
    flops: dst.size * g.KH * g.KW, bytes: 4 * (dst.size * (1 + g.KH * g.KW)),
  });
}
