// This adapter's ceilings, measured in the same run as the kernels they judge: a tuned f32
// matrix multiply (bench/shaders/ceiling-matmul.wgsl) for FLOP/s and a vec4 streaming copy
// (bench/shaders/ceiling-copy.wgsl) for bytes/s. Sizes grow until one dispatch takes at least
// the target time (or a size limit is hit), so a CPU adapter is not asked for a 4096^3
// multiply and a GPU's is not a launch-overhead measurement.

import copyCode from '../shaders/ceiling-copy.wgsl?raw';
import matmulCode from '../shaders/ceiling-matmul.wgsl?raw';
import type { Gpu, Tensor } from '../../src/kernels/gpu';
import { grid1d, prepareKernel, runKernels, type Kernel } from '../../src/kernels/kernel';
import { relativeError } from './check';
import { ratePerMs, spread } from './stats';
import { timeWork, type ClockKind } from './timing';
import type { Ceilings, MatmulCeiling } from './types';

export const MATMUL_VARIANTS = [
  { entry: 'tile64', tile: 64 },
  { entry: 'tile128', tile: 128 },
] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

/** The matmul check's tolerance: f32 accumulation over K <= 384 terms. */
export const MATMUL_TOLERANCE = 1e-5;

export function matmulKernel(gpu: Gpu, v: MatmulVariant, M: number, N: number, K: number, a: Tensor, b: Tensor, c: Tensor): Promise<Kernel> {
  for (const [what, d] of [['M', M], ['N', N], ['K', K]] as const) {
    if (!Number.isInteger(d) || d < v.tile || d % v.tile !== 0) throw new Error(`ceiling matmul ${v.entry}: ${what} = ${d} must be a positive multiple of ${v.tile}`);
  }
  return prepareKernel(gpu, {
    file: 'ceiling-matmul.wgsl', code: matmulCode, entry: v.entry,
    bindings: [gpu.uniform('ceiling matmul', [['u32', M], ['u32', N], ['u32', K]]), a, b, c],
    grid: [N / v.tile, M / v.tile, 1],
    name: `ceiling-matmul.wgsl:${v.entry} ${M}x${K} . ${K}x${N}`,
    flops: 2 * M * N * K,
    bytes: 4 * (M * K + K * N + M * N),
  });
}

export function copyKernel(gpu: Gpu, src: Tensor, dst: Tensor): Promise<Kernel> {
  if (src.size % 4 !== 0 || dst.size !== src.size) throw new Error(`ceiling copy: ${src.size} -> ${dst.size} values, need equal multiples of 4`);
  const n4 = src.size / 4;
  return prepareKernel(gpu, {
    file: 'ceiling-copy.wgsl', code: copyCode, entry: 'copy',
    bindings: [gpu.uniform('ceiling copy', [['u32', n4]]), src, dst],
    grid: grid1d(Math.ceil(n4 / 256), gpu.device.limits.maxComputeWorkgroupsPerDimension),
    name: `ceiling-copy.wgsl:copy ${src.bytes} bytes`,
    flops: 0,
    bytes: 2 * src.bytes,
  });
}

/** C = A . B in f64, row-major. */
export function cpuMatmul(a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const x = a[i * K + k];
      for (let j = 0; j < N; j++) c[i * N + j] += x * b[k * N + j];
    }
  }
  return c;
}

function randomFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Runs every matmul variant on M x K . K x N and returns each one's error relative to the output's scale. */
export async function checkMatmul(gpu: Gpu, M = 256, N = 128, K = 384): Promise<Record<string, number>> {
  const av = randomFloats(M * K, 1), bv = randomFloats(K * N, 2);
  const want = cpuMatmul(av, bv, M, N, K);
  const a = gpu.tensor([M, K], 'check A', av), b = gpu.tensor([K, N], 'check B', bv);
  const out: Record<string, number> = {};
  try {
    for (const v of MATMUL_VARIANTS) {
      const c = gpu.tensor([M, N], 'check C', new Float32Array(M * N).fill(NaN));
      try {
        runKernels(gpu, [await matmulKernel(gpu, v, M, N, K, a, b, c)], 'ceiling check');
        out[v.entry] = relativeError(await gpu.read(c), want).relToScale;
      } finally {
        c.buffer.destroy();
      }
    }
  } finally {
    a.buffer.destroy();
    b.buffer.destroy();
  }
  return out;
}

export interface CeilingOptions {
  clock: ClockKind;
  warmup: number;
  repeat: number;
  dispatches: number;
  /** A fixed square size, or null to grow from 128 to `matmulMax` until `targetMs`. */
  matmulSize: number | null;
  matmulMax: number;
  /** Bytes copied, or null to grow from 16 MiB to `copyMaxBytes` until `targetMs / 4`. */
  copyBytes: number | null;
  copyMaxBytes: number;
  targetMs: number;
  log: (line: string) => void;
}

function maxBinding(gpu: Gpu): number {
  return Math.min(gpu.device.limits.maxStorageBufferBindingSize, gpu.device.limits.maxBufferSize);
}

async function timeOne(gpu: Gpu, k: Kernel, o: CeilingOptions, warmup: number, repeat: number, dispatches: number): Promise<number[]> {
  return (await timeWork(gpu, [{ group: 'ceiling', kernels: [k] }], { clock: o.clock, warmup, repeat, dispatches }))[0];
}

async function withMatmul<T>(gpu: Gpu, s: number, v: MatmulVariant, fn: (k: Kernel) => Promise<T>): Promise<T> {
  const a = gpu.tensor([s, s], 'ceiling A', randomFloats(s * s, 3)), b = gpu.tensor([s, s], 'ceiling B', randomFloats(s * s, 4)), c = gpu.tensor([s, s], 'ceiling C');
  try {
    return await fn(await matmulKernel(gpu, v, s, s, s, a, b, c));
  } finally {
    for (const t of [a, b, c]) t.buffer.destroy();
  }
}

export async function measureCeilings(gpu: Gpu, o: CeilingOptions): Promise<Ceilings> {
  const check = await checkMatmul(gpu);
  for (const [entry, rel] of Object.entries(check)) {
    if (!(rel <= MATMUL_TOLERANCE)) throw new Error(`the ceiling matmul (${entry}) disagrees with the CPU: error ${rel} of the output's scale > ${MATMUL_TOLERANCE}; refusing to time`);
  }
  o.log(`ceiling matmul checked against the CPU at 256x384 . 384x128: ${Object.entries(check).map(([e, r]) => `${e} ${r.toExponential(1)}`).join(', ')} of the output's scale`);

  // Matmul: grow the square size until the faster variant takes targetMs per dispatch.
  const limit = maxBinding(gpu);
  const tried: Ceilings['matmulTried'] = [];
  let size = o.matmulSize ?? 128;
  if (o.matmulSize === null) {
    for (;;) {
      let best = Infinity;
      for (const v of MATMUL_VARIANTS) {
        const ms = await withMatmul(gpu, size, v, async (k) => (await timeOne(gpu, k, o, size === 128 ? 1 : 0, 1, 1))[0]);
        tried.push({ variant: v.entry, size, ms, gflops: ratePerMs(2 * size ** 3, ms) });
        best = Math.min(best, ms);
      }
      const next = size * 2;
      if (best >= o.targetMs || next > o.matmulMax || 4 * next * next > limit) break;
      size = next;
    }
  }
  const matmul: MatmulCeiling[] = [];
  for (const v of MATMUL_VARIANTS) {
    const ms = spread(await withMatmul(gpu, size, v, (k) => timeOne(gpu, k, o, o.warmup, o.repeat, o.dispatches)));
    matmul.push({ variant: v.entry, M: size, N: size, K: size, flops: 2 * size ** 3, ms, gflops: ratePerMs(2 * size ** 3, ms.median) });
  }
  const gflops = Math.max(...matmul.map((m) => m.gflops));
  o.log(`ceiling matmul ${size}^3: ${matmul.map((m) => `${m.variant} ${m.gflops.toFixed(2)} GFLOP/s (${m.ms.median.toFixed(3)} ms)`).join(', ')}`);

  // Copy: grow by 4x from 16 MiB until a copy takes targetMs / 4.
  let bytes = o.copyBytes ?? Math.min(16 << 20, Math.floor(limit / 16) * 16);
  const copyMax = Math.min(o.copyMaxBytes, Math.floor(limit / 16) * 16);
  const withCopy = async <T>(n: number, fn: (k: Kernel) => Promise<T>): Promise<T> => {
    const src = gpu.tensor([n / 4], 'ceiling src', randomFloats(n / 4, 5)), dst = gpu.tensor([n / 4], 'ceiling dst');
    try {
      return await fn(await copyKernel(gpu, src, dst));
    } finally {
      src.buffer.destroy();
      dst.buffer.destroy();
    }
  };
  if (o.copyBytes === null) {
    for (;;) {
      const ms = await withCopy(bytes, async (k) => (await timeOne(gpu, k, o, 1, 1, 1))[0]);
      if (ms >= o.targetMs / 4 || bytes * 4 > copyMax) break;
      bytes *= 4;
    }
  }
  const copyMs = spread(await withCopy(bytes, (k) => timeOne(gpu, k, o, o.warmup, o.repeat, o.dispatches)));
  const gbps = ratePerMs(2 * bytes, copyMs.median);
  o.log(`ceiling copy ${(bytes / 2 ** 20).toFixed(0)} MiB: ${gbps.toFixed(2)} GB/s read+write (${copyMs.median.toFixed(3)} ms)`);
  gpu.check();
  return {
    clock: o.clock,
    matmulCheck: { M: 256, N: 128, K: 384, relToScale: check, tolerance: MATMUL_TOLERANCE },
    matmulTried: tried,
    matmul,
    gflops,
    copy: { bytes, ms: copyMs, gbps },
    gbps,
  };
}
