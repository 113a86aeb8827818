// The benchmark's correctness checks' common parts: the tolerance rule, a seeded generator and
// the Checker that runs kernels on NaN-filled outputs and records each comparison.

import type { Gpu, Tensor } from '../../src/kernels/gpu';
import { runKernels, type Kernel } from '../../src/kernels/kernel';
import type { CheckRecord } from './types';

export const TOLERANCE = 1e-3;
export const TOLERANCE_RULE =
  `max |gpu - cpu| <= ${TOLERANCE} * max |cpu| per output (CPU twin in f64 on the same f32 inputs; outputs pre-filled with NaN; NaN/Inf fail)`;

/** "conv2d.wgsl:forward" from a kernel name "conv2d.wgsl:forward conv2dForward ...". */
export function entryOf(name: string): string {
  const i = name.indexOf(' ');
  return i < 0 ? name : name.slice(0, i);
}

/** max |got - want| and that over max |want|; NaN/Inf in got give Infinity. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): { maxAbs: number; relToScale: number } {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let maxAbs = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxAbs)) maxAbs = Number.isFinite(d) ? d : Infinity;
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { maxAbs, relToScale: scale > 0 ? maxAbs / scale : maxAbs };
}

/** A deterministic generator (mulberry32) with normals by Box-Muller. */
export function rng(seed: number): { normal: (n: number, std?: number) => Float32Array; uniform: (n: number, lo: number, hi: number) => Float32Array } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return {
    normal: (n, std = 1) => Float32Array.from({ length: n }, () => std * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next())),
    uniform: (n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next()),
  };
}

const isTensor = (x: Tensor | ArrayLike<number>): x is Tensor => typeof (x as Tensor).buffer === 'object' && 'shape' in x;
export const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export const f64 = (n: number) => new Float64Array(n);

export class Checker {
  readonly records: CheckRecord[] = [];
  private readonly made: Tensor[] = [];
  constructor(readonly gpu: Gpu) {}

  t(shape: readonly number[], data: ArrayLike<number>, label = 'in'): Tensor {
    const t = this.gpu.tensor(shape, label, data);
    this.made.push(t);
    return t;
  }

  out(shape: readonly number[], label = 'out'): Tensor {
    return this.t(shape, new Float32Array(size(shape)).fill(NaN), label);
  }

  async run(kernels: Kernel[]): Promise<Kernel[]> {
    runKernels(this.gpu, kernels, 'bench check');
    await this.gpu.device.queue.onSubmittedWorkDone();
    this.gpu.check();
    return kernels;
  }

  /** Records one comparison; `got` is a tensor to read back or values already read. */
  async expect(kernel: Kernel, what: string, got: Tensor | ArrayLike<number>, want: ArrayLike<number>): Promise<void> {
    const values = isTensor(got) ? await this.gpu.read(got) : got;
    const e = relativeError(values, want);
    this.records.push({ entry: entryOf(kernel.name), what: `${what} (${kernel.name})`, n: values.length, maxAbsErr: e.maxAbs, relToScale: e.relToScale, pass: e.relToScale <= TOLERANCE });
  }

  destroy(): void {
    for (const t of this.made) t.buffer.destroy();
  }
}

