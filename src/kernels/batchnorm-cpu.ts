// The cpu family's BatchNormalization launchers (shaders/batchnorm-cpu.wgsl), called by
// batchnorm.ts after it has checked the arguments, when gpu.kernels is 'cpu' and the channels
// are a multiple of 4. Same math as the gpu family, so the CPU twins are batchnorm.cpu.ts's.

import code from '../../shaders/batchnorm-cpu.wgsl?raw';
import { LEAKY_ALPHA } from './activation';
import type { Gpu, Tensor } from './gpu';
import { chainKernels, grid1d, prepareKernel, type Kernel } from './kernel';

/** Rows per partial sum: about 2048 invocations in all, at least 16 rows each. */
export function reductionBlocks(M: number, C4: number): { block: number; blocks: number } {
  const want = Math.max(1, Math.min(Math.ceil(2048 / C4), Math.ceil(M / 16)));
  const block = Math.ceil(M / want);
  return { block, blocks: Math.ceil(M / block) };
}

/** Rows per invocation of the elementwise passes: per-channel vectors load once per RPI rows. */
const RPI = 8;

export interface BnShape {
  M: number;
  C: number;
}

/** One dispatch of `entry`, named `name` (a chain's parts: the file and entry; a kernel of its own: the op). */
function dispatch(gpu: Gpu, entry: string, invocations: number, constants: Record<string, number>, bindings: Tensor[], name: string, flops: number, bytes: number): Promise<Kernel> {
  const grid = grid1d(Math.ceil(invocations / 64));
  return prepareKernel(gpu, {
    file: 'batchnorm-cpu.wgsl', code, entry,
    constants: { ...constants, GROUPS_X: grid[0] },
    bindings, grid, name, flops, bytes,
  });
}

export async function statsCpu(gpu: Gpu, g: BnShape, x: Tensor, stats: Tensor, movingMean: Tensor, movingVar: Tensor, eps: number, momentum: number, varFactor: number, name: string, flops: number, bytes: number): Promise<Kernel> {
  const C4 = g.C / 4, { block, blocks } = reductionBlocks(g.M, C4);
  const part = gpu.tensor([blocks, 2, g.C], `${name} partial statistics`);
  const base = { M: g.M, C4, BLOCK: block, BLOCKS: blocks };
  const partial = await dispatch(gpu, 'stats_partial', blocks * C4, base, [x, part], `batchnorm-cpu.wgsl:stats_partial ${name}`, 0, 0);
  const finalize = await dispatch(gpu, 'stats_finalize', C4, { ...base, EPS: eps, MOMENTUM: momentum, VAR_FACTOR: varFactor }, [part, stats, movingMean, movingVar, x], `batchnorm-cpu.wgsl:stats_finalize ${name}`, 0, 0);
  return chainKernels(partial, [finalize], `batchnorm-cpu:stats ${name} blocks ${blocks}x${block}`, flops, bytes, [part.buffer]);
}

function elementwise(gpu: Gpu, entry: 'apply' | 'apply_inference' | 'backward_input', g: BnShape, act: number, extra: Record<string, number>, bindings: Tensor[], name: string, flops: number, bytes: number): Promise<Kernel> {
  const C4 = g.C / 4;
  return dispatch(gpu, entry, Math.ceil(g.M / RPI) * C4, { M: g.M, C4, RPI, ACT: act, ALPHA: LEAKY_ALPHA, ...extra }, bindings, `batchnorm-cpu:${entry} ${name}`, flops, bytes);
}

export function applyCpu(gpu: Gpu, g: BnShape, act: number, x: Tensor, stats: Tensor, gamma: Tensor, beta: Tensor, y: Tensor, name: string, flops: number, bytes: number): Promise<Kernel> {
  return elementwise(gpu, 'apply', g, act, {}, [x, stats, gamma, beta, y], name, flops, bytes);
}

export function inferenceCpu(gpu: Gpu, g: BnShape, act: number, eps: number, x: Tensor, movingMean: Tensor, movingVar: Tensor, gamma: Tensor, beta: Tensor, y: Tensor, name: string, flops: number, bytes: number): Promise<Kernel> {
  return elementwise(gpu, 'apply_inference', g, act, { EPS: eps }, [x, movingMean, movingVar, gamma, beta, y], name, flops, bytes);
}

export function backwardInputCpu(gpu: Gpu, g: BnShape, act: number, x: Tensor, y: Tensor, dy: Tensor, stats: Tensor, gamma: Tensor, dgamma: Tensor, dbeta: Tensor, dx: Tensor, name: string, flops: number, bytes: number): Promise<Kernel> {
  return elementwise(gpu, 'backward_input', g, act, {}, [x, stats, y, dy, dgamma, dbeta, gamma, dx], name, flops, bytes);
}

export async function backwardReduceCpu(gpu: Gpu, g: BnShape, act: number, x: Tensor, y: Tensor, dy: Tensor, stats: Tensor, dgamma: Tensor, dbeta: Tensor, name: string, flops: number, bytes: number): Promise<Kernel> {
  const C4 = g.C / 4, { block, blocks } = reductionBlocks(g.M, C4);
  const part = gpu.tensor([blocks, 2, g.C], `${name} partial sums`);
  const base = { M: g.M, C4, BLOCK: block, BLOCKS: blocks, ACT: act, ALPHA: LEAKY_ALPHA };
  const partial = await dispatch(gpu, 'backward_partial', blocks * C4, base, [x, stats, y, dy, part], `batchnorm-cpu.wgsl:backward_partial ${name}`, 0, 0);
  const finalize = await dispatch(gpu, 'backward_finalize', C4, base, [part, stats, dgamma, dbeta], `batchnorm-cpu.wgsl:backward_finalize ${name}`, 0, 0);
  return chainKernels(partial, [finalize], `batchnorm-cpu:backward_reduce ${name} blocks ${blocks}x${block}`, flops, bytes, [part.buffer]);
}
