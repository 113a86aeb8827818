// Launchers for shaders/random.wgsl: Philox4x32-10 normals and integers, keyed by
// (seed, stream), counted by the step read on the GPU. CPU twins: random.cpu.ts.

import code from '../../shaders/random.wgsl?raw';
import { ShapeError, shapeString } from './errors';
import type { Gpu, Tensor } from './gpu';
import { grid1d, prepareKernel, type Kernel } from './kernel';

export interface NormalOptions {
  seed: number;
  /** One stream per use (a parameter, the latent points, the real batch), so draws never overlap. */
  stream: number;
  mean?: number;
  std?: number;
}

export interface IntOptions {
  seed: number;
  stream: number;
  /** Draws are in [0, n). */
  n: number;
}

/** Outputs per Philox call; the block index is the counter's second word. */
export const PHILOX_OUTPUTS_PER_BLOCK = 4;
/** The f32 step holds every integer up to 2^24 exactly. */
export const MAX_STEP = 2 ** 24;
/** Keeps 4 * block inside a u32. */
const MAX_COUNT = 2 ** 31;

function isU32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
}

/** Shared validation of the GPU launchers and the CPU twins. */
export function checkRandomArgs(op: string, count: number, stepSize: number, seed: number, stream: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new ShapeError(`${op}: output has ${count} values, expected 1 to 2^31`);
  if (stepSize !== 1) throw new ShapeError(`${op}: step has ${stepSize} values, expected a 1-element tensor`);
  if (!isU32(seed)) throw new ShapeError(`${op}: seed ${seed} is not a u32`);
  if (!isU32(stream)) throw new ShapeError(`${op}: stream ${stream} is not a u32`);
}

export function checkNormalArgs(op: string, mean: number, std: number): void {
  if (!Number.isFinite(mean)) throw new ShapeError(`${op}: mean ${mean} is not finite`);
  if (!Number.isFinite(std) || std < 0) throw new ShapeError(`${op}: std ${std} must be finite and >= 0`);
}

export function checkIntRange(op: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new ShapeError(`${op}: range n = ${n}, expected an integer in [1, 2^32 - 1]`);
}

/** out[i] = mean + std * N(0, 1); overwrites out. */
export function randomNormal(gpu: Gpu, out: Tensor, step: Tensor, opts: NormalOptions): Promise<Kernel> {
  const { seed, stream, mean = 0, std = 1 } = opts;
  const op = `randomNormal(out ${shapeString(out.shape)}, step ${shapeString(step.shape)})`;
  checkRandomArgs(op, out.size, step.size, seed, stream);
  checkNormalArgs(op, mean, std);
  const blocks = Math.ceil(out.size / PHILOX_OUTPUTS_PER_BLOCK);
  return prepareKernel(gpu, {
    file: 'random.wgsl', code, entry: 'normal',
    bindings: [gpu.uniform(op, [['u32', seed], ['u32', stream], ['u32', out.size], ['f32', mean], ['f32', std], ['u32', 0]]), step, out],
    grid: grid1d(Math.ceil(blocks / 256)),
    name: `random.wgsl:normal n=${out.size} seed=${seed} stream=${stream}`,
    // Philox: 10 rounds of 2 wide products (~8 ops each) per block; Box-Muller ~20 per pair.
    flops: blocks * (10 * 24 + 2 * 20) + 2 * out.size, bytes: 4 * out.size + 4,
  });
}

/** out_u32[i] uniform in [0, n) (the tensor's words hold u32, read with gpu.readU32); overwrites out. */
export function randomInt(gpu: Gpu, out: Tensor, step: Tensor, opts: IntOptions): Promise<Kernel> {
  const { seed, stream, n } = opts;
  const op = `randomInt(out ${shapeString(out.shape)}, step ${shapeString(step.shape)}, n=${n})`;
  checkRandomArgs(op, out.size, step.size, seed, stream);
  checkIntRange(op, n);
  const blocks = Math.ceil(out.size / PHILOX_OUTPUTS_PER_BLOCK);
  return prepareKernel(gpu, {
    file: 'random.wgsl', code, entry: 'uniform_int',
    bindings: [gpu.uniform(op, [['u32', seed], ['u32', stream], ['u32', out.size], ['f32', 0], ['f32', 0], ['u32', n]]), step, out],
    grid: grid1d(Math.ceil(blocks / 256)),
    name: `random.wgsl:uniform_int n=${out.size} range=${n} seed=${seed} stream=${stream}`,
    flops: blocks * 10 * 24 + 8 * out.size, bytes: 4 * out.size + 4,
  });
}
