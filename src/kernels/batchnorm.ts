// Launchers for shaders/batchnorm.wgsl: Keras BatchNormalization over the last axis, training
// and inference mode, with the following activation fused in. CPU twins: batchnorm.cpu.ts.

import code from '../../shaders/batchnorm.wgsl?raw';
import { LEAKY_ALPHA } from './activation';
import { applyCpu, backwardInputCpu, backwardReduceCpu, inferenceCpu, statsCpu } from './batchnorm-cpu';
import { ShapeError, shapeString } from './errors';
import type { Gpu, Tensor } from './gpu';
import { expectShape, grid1d, prepareKernel, type Kernel } from './kernel';

export const BN_EPSILON = 1e-3, BN_MOMENTUM = 0.99;

export interface BatchNormOptions {
  epsilon?: number;
  momentum?: number;
  /** tf.keras: true after convolutions (fused path, moving variance from var * M/(M-1)),
   *  false after Dense (moving variance from the biased batch variance). */
  unbiasedMovingVariance: boolean;
}

/** The activation that follows BatchNormalization in the model, fused into its kernels. */
export type BatchNormActivation = 'linear' | 'relu' | 'leaky_relu';

const ACT_CODE: Record<BatchNormActivation, number> = { linear: 0, relu: 1, leaky_relu: 2 };

function actCode(op: string, act: string): number {
  const c = (ACT_CODE as Record<string, number>)[act];
  if (c === undefined) throw new ShapeError(`${op}: unsupported activation '${act}' (expected linear, relu or leaky_relu)`);
  return c;
}

export interface BatchNormGeometry {
  /** Rows reduced over: N*H*W for [N,H,W,C], N for [N,F]. */
  M: number;
  /** Channels (the last dimension). */
  C: number;
}

/** M and C for x of shape [N,H,W,C] or [N,F]; anything else is a ShapeError. */
export function batchNormGeometry(op: string, shape: readonly number[]): BatchNormGeometry {
  if (shape.length !== 2 && shape.length !== 4) {
    throw new ShapeError(`${op}: x has shape ${shapeString(shape)}, expected rank 2 [N, F] or rank 4 [N, H, W, C]`);
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(`${op}: x has shape ${shapeString(shape)}, every dimension must be a positive integer`);
  }
  const C = shape[shape.length - 1];
  const M = shape.reduce((a, b) => a * b, 1) / C;
  return { M, C };
}

/** Channels per workgroup in the reductions: at least 8 (32-byte row segments), more when
 *  there are enough channels to keep 128 workgroups busy (64 x 12544 after Dense). */
export function channelsPerWorkgroup(C: number): number {
  let cb = 64;
  while (cb > 8 && Math.ceil(C / cb) < 128) cb /= 2;
  return cb;
}

function expectDistinct(op: string, outputs: readonly Tensor[], all: readonly Tensor[]): void {
  for (const o of outputs) {
    const other = all.find((t) => t !== o && t.buffer === o.buffer);
    if (other !== undefined || all.filter((t) => t === o).length > 1) {
      throw new ShapeError(`${op}: output ${o.label} ${shapeString(o.shape)} is also bound as another argument${other ? ` (${other.label})` : ''}; outputs must be separate tensors`);
    }
  }
}

/** The one switch to the cpu family (batchnorm-cpu.ts): its kernels read channels as vec4s. */
function cpuFamily(gpu: Gpu, g: BatchNormGeometry): boolean {
  return gpu.kernels === 'cpu' && g.C % 4 === 0;
}

function params(gpu: Gpu, op: string, g: BatchNormGeometry, eps: number, momentum: number, varFactor: number): GPUBuffer {
  return gpu.uniform(op, [['u32', g.M], ['u32', g.C], ['u32', g.M * g.C], ['f32', eps], ['f32', momentum], ['f32', varFactor], ['f32', LEAKY_ALPHA]]);
}

function checkEpsilon(op: string, epsilon: number): void {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new ShapeError(`${op}: epsilon ${epsilon} must be a positive finite number`);
}

/**
 * Training-mode statistics into stats [2, C]: row 0 the batch mean, row 1 1/sqrt(biased var +
 * eps) per channel (overwrites stats), and the moving-average update of movingMean and
 * movingVar in place. One tensor rather than two keeps backward_input within 8 storage buffers.
 */
export function batchNormStats(gpu: Gpu, x: Tensor, stats: Tensor, movingMean: Tensor, movingVar: Tensor, opts: BatchNormOptions): Promise<Kernel> {
  const op = 'batchNormStats';
  const g = batchNormGeometry(op, x.shape);
  expectShape(op, 'stats', stats, [2, g.C]);
  for (const [what, t] of [['movingMean', movingMean], ['movingVar', movingVar]] as const) expectShape(op, what, t, [g.C]);
  expectDistinct(op, [stats, movingMean, movingVar], [x, stats, movingMean, movingVar]);
  const eps = opts.epsilon ?? BN_EPSILON, momentum = opts.momentum ?? BN_MOMENTUM;
  checkEpsilon(op, eps);
  if (!(momentum >= 0 && momentum <= 1)) throw new ShapeError(`${op}: momentum ${momentum} must lie in [0, 1]`);
  if (opts.unbiasedMovingVariance && g.M < 2) {
    throw new ShapeError(`${op}: x has shape ${shapeString(x.shape)}: one row per channel (M = 1) has no unbiased variance (M/(M-1) divides by zero)`);
  }
  const varFactor = opts.unbiasedMovingVariance ? g.M / (g.M - 1) : 1;
  const flops = 5 * g.M * g.C + 12 * g.C, bytes = 8 * g.M * g.C + 24 * g.C;
  const what = `${shapeString(x.shape)} M=${g.M} C=${g.C}${opts.unbiasedMovingVariance ? ' unbiased' : ''}`;
  if (cpuFamily(gpu, g)) return statsCpu(gpu, g, x, stats, movingMean, movingVar, eps, momentum, varFactor, what, flops, bytes);
  const cb = channelsPerWorkgroup(g.C);
  return prepareKernel(gpu, {
    file: 'batchnorm.wgsl', code, entry: 'stats',
    constants: { CB: cb },
    bindings: [params(gpu, op, g, eps, momentum, varFactor), x, stats, movingMean, movingVar],
    grid: grid1d(Math.ceil(g.C / cb)),
    name: `batchnorm.wgsl:stats ${what} CB=${cb}`,
    flops, bytes,
  });
}

/** y = act(gamma * (x - mean) * invStd + beta) with the batch statistics stats = [mean; invStd]
 *  ([2, C], from batchNormStats); overwrites y. */
export function batchNormApply(gpu: Gpu, x: Tensor, stats: Tensor, gamma: Tensor, beta: Tensor, y: Tensor, activation: BatchNormActivation = 'linear'): Promise<Kernel> {
  const op = `batchNormApply(${activation})`;
  const act = actCode(op, activation);
  const g = batchNormGeometry(op, x.shape);
  expectShape(op, 'stats', stats, [2, g.C]);
  for (const [what, t] of [['gamma', gamma], ['beta', beta]] as const) expectShape(op, what, t, [g.C]);
  expectShape(op, 'y', y, x.shape);
  expectDistinct(op, [y], [x, stats, gamma, beta, y]);
  if (cpuFamily(gpu, g)) return applyCpu(gpu, g, act, x, stats, gamma, beta, y, `${activation} ${shapeString(x.shape)}`, 5 * g.M * g.C, 8 * g.M * g.C + 16 * g.C);
  return prepareKernel(gpu, {
    file: 'batchnorm.wgsl', code, entry: 'apply',
    constants: { ACT: act },
    bindings: [params(gpu, op, g, BN_EPSILON, BN_MOMENTUM, 1), x, stats, gamma, beta, y],
    grid: grid1d(Math.ceil((g.M * g.C) / 256)),
    name: `batchnorm.wgsl:apply ${activation} ${shapeString(x.shape)}`,
    flops: 5 * g.M * g.C, bytes: 8 * g.M * g.C + 16 * g.C,
  });
}

/** Inference mode: y = act(gamma * (x - movingMean) / sqrt(movingVar + epsilon) + beta); overwrites y. */
export function batchNormInference(gpu: Gpu, x: Tensor, movingMean: Tensor, movingVar: Tensor, gamma: Tensor, beta: Tensor, y: Tensor, activation: BatchNormActivation = 'linear', epsilon = BN_EPSILON): Promise<Kernel> {
  const op = `batchNormInference(${activation})`;
  const act = actCode(op, activation);
  const g = batchNormGeometry(op, x.shape);
  for (const [what, t] of [['movingMean', movingMean], ['movingVar', movingVar], ['gamma', gamma], ['beta', beta]] as const) expectShape(op, what, t, [g.C]);
  expectShape(op, 'y', y, x.shape);
  expectDistinct(op, [y], [x, movingMean, movingVar, gamma, beta, y]);
  checkEpsilon(op, epsilon);
  if (cpuFamily(gpu, g)) return inferenceCpu(gpu, g, act, epsilon, x, movingMean, movingVar, gamma, beta, y, `${activation} ${shapeString(x.shape)}`, 8 * g.M * g.C, 8 * g.M * g.C + 16 * g.C);
  return prepareKernel(gpu, {
    file: 'batchnorm.wgsl', code, entry: 'apply_inference',
    constants: { ACT: act },
    bindings: [params(gpu, op, g, epsilon, BN_MOMENTUM, 1), x, movingMean, movingVar, gamma, beta, y],
    grid: grid1d(Math.ceil((g.M * g.C) / 256)),
    name: `batchnorm.wgsl:apply_inference ${activation} ${shapeString(x.shape)}`,
    flops: 5 * g.M * g.C + 3 * g.M * g.C, bytes: 8 * g.M * g.C + 16 * g.C,
  });
}

/**
 * dbeta = sum over rows of g, dgamma = sum of g * xhat, with g = dy * act'(y) and
 * xhat = (x - mean) * invStd, stats = [mean; invStd] ([2, C]); overwrites dgamma and dbeta.
 * y is this layer's activated output; for 'linear' it is not read (its shape is still
 * checked; pass x when there is no other).
 */
export function batchNormBackwardReduce(gpu: Gpu, x: Tensor, y: Tensor, dy: Tensor, stats: Tensor, dgamma: Tensor, dbeta: Tensor, activation: BatchNormActivation = 'linear'): Promise<Kernel> {
  const op = `batchNormBackwardReduce(${activation})`;
  const act = actCode(op, activation);
  const g = batchNormGeometry(op, x.shape);
  expectShape(op, 'y', y, x.shape);
  expectShape(op, 'dy', dy, x.shape);
  expectShape(op, 'stats', stats, [2, g.C]);
  for (const [what, t] of [['dgamma', dgamma], ['dbeta', dbeta]] as const) expectShape(op, what, t, [g.C]);
  expectDistinct(op, [dgamma, dbeta], [x, y, dy, stats, dgamma, dbeta]);
  const n = g.M * g.C;
  if (cpuFamily(gpu, g)) return backwardReduceCpu(gpu, g, act, x, y, dy, stats, dgamma, dbeta, `${activation} ${shapeString(x.shape)}`, 6 * n + g.C, (activation === 'linear' ? 8 : 12) * n + 16 * g.C);
  const cb = channelsPerWorkgroup(g.C);
  return prepareKernel(gpu, {
    file: 'batchnorm.wgsl', code, entry: 'backward_reduce',
    constants: { ACT: act, CB: cb },
    bindings: [params(gpu, op, g, BN_EPSILON, BN_MOMENTUM, 1), x, stats, y, dy, dgamma, dbeta],
    grid: grid1d(Math.ceil(g.C / cb)),
    name: `batchnorm.wgsl:backward_reduce ${activation} ${shapeString(x.shape)} CB=${cb}`,
    flops: 6 * n + g.C, bytes: (activation === 'linear' ? 8 : 12) * n + 16 * g.C,
  });
}

/** dx = gamma * invStd / M * (M * g - dbeta - xhat * dgamma), one pass, with stats = [mean;
 *  invStd] ([2, C]); overwrites dx. Eight storage buffers: the WebGPU default limit. */
export function batchNormBackwardInput(gpu: Gpu, x: Tensor, y: Tensor, dy: Tensor, stats: Tensor, gamma: Tensor, dgamma: Tensor, dbeta: Tensor, dx: Tensor, activation: BatchNormActivation = 'linear'): Promise<Kernel> {
  const op = `batchNormBackwardInput(${activation})`;
  const act = actCode(op, activation);
  const g = batchNormGeometry(op, x.shape);
  expectShape(op, 'y', y, x.shape);
  expectShape(op, 'dy', dy, x.shape);
  expectShape(op, 'dx', dx, x.shape);
  expectShape(op, 'stats', stats, [2, g.C]);
  for (const [what, t] of [['gamma', gamma], ['dgamma', dgamma], ['dbeta', dbeta]] as const) expectShape(op, what, t, [g.C]);
  expectDistinct(op, [dx], [x, y, dy, stats, gamma, dgamma, dbeta, dx]);
  const n = g.M * g.C;
  if (cpuFamily(gpu, g)) return backwardInputCpu(gpu, g, act, x, y, dy, stats, gamma, dgamma, dbeta, dx, `${activation} ${shapeString(x.shape)}`, 9 * n, (activation === 'linear' ? 12 : 16) * n + 20 * g.C);
  return prepareKernel(gpu, {
    file: 'batchnorm.wgsl', code, entry: 'backward_input',
    constants: { ACT: act },
    bindings: [params(gpu, op, g, BN_EPSILON, BN_MOMENTUM, 1), x, stats, y, dy, dgamma, dbeta, gamma, dx],
    grid: grid1d(Math.ceil(n / 256)),
    name: `batchnorm.wgsl:backward_input ${activation} ${shapeString(x.shape)}`,
    flops: 9 * n, bytes: (activation === 'linear' ? 12 : 16) * n + 20 * g.C,
  });
}
