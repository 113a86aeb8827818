// Launchers for shaders/adam.wgsl: Keras 2.4 Adam with the step count on the GPU.
// CPU twins: adam.cpu.ts.

import code from '../../shaders/adam.wgsl?raw';
import { ShapeError, shapeString } from './errors';
import type { Gpu, Tensor } from './gpu';
import { grid1d, prepareKernel, type Kernel } from './kernel';

export interface AdamHyperparameters {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The tutorial's Adam(lr=0.0002, beta_1=0.5) with Keras' beta_2 and epsilon. */
export const ADAM_DEFAULTS = { lr: 0.0002, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };

/** Shared validation of the launchers and the CPU twins. */
export function checkAdamArgs(op: string, sizes: { w: number; g: number; m: number; v: number; step: number }, hyper: AdamHyperparameters): void {
  for (const k of ['g', 'm', 'v'] as const) {
    if (sizes[k] !== sizes.w) throw new ShapeError(`${op}: ${k} has ${sizes[k]} values, w has ${sizes.w}`);
  }
  if (sizes.w < 1) throw new ShapeError(`${op}: w has no values`);
  if (sizes.step !== 1) throw new ShapeError(`${op}: step has ${sizes.step} values, expected a 1-element tensor`);
  const { lr, beta1, beta2, epsilon } = hyper;
  if (!(Number.isFinite(lr) && lr > 0)) throw new ShapeError(`${op}: lr ${lr} must be finite and > 0`);
  if (!(beta1 >= 0 && beta1 < 1)) throw new ShapeError(`${op}: beta1 ${beta1} must be in [0, 1)`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new ShapeError(`${op}: beta2 ${beta2} must be in [0, 1)`);
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new ShapeError(`${op}: epsilon ${epsilon} must be finite and > 0`);
}

/**
 * ln(beta) for the shader's bias correction, in f64 from the f32 beta the shader multiplies by
 * (TensorFlow casts beta to the variable's f32 too). ln(0) is -inf, which WGSL need not carry:
 * -1000 gives the same 1 - beta^t = 1 for every t >= 1.
 */
export function lnBeta(beta: number): number {
  return Math.max(-1000, Math.log(Math.fround(beta)));
}

/** step[0] += 1; runs once before the updates of one optimizer step. */
export function adamTick(gpu: Gpu, step: Tensor): Promise<Kernel> {
  if (step.size !== 1) throw new ShapeError(`adamTick: step (${step.label}) has shape ${shapeString(step.shape)}, expected a 1-element tensor`);
  return prepareKernel(gpu, {
    file: 'adam.wgsl', code, entry: 'tick',
    bindings: [step],
    grid: [1, 1, 1],
    name: `adam.wgsl:tick ${step.label}`,
    flops: 1, bytes: 8,
  });
}

/** One Adam update of w from g with moments m, v at the step held in step[0]; in place on w, m, v. */
export function adamUpdate(gpu: Gpu, w: Tensor, g: Tensor, m: Tensor, v: Tensor, step: Tensor, hyper: AdamHyperparameters): Promise<Kernel> {
  const op = `adamUpdate(w ${shapeString(w.shape)}, g ${shapeString(g.shape)}, m ${shapeString(m.shape)}, v ${shapeString(v.shape)}, step ${shapeString(step.shape)})`;
  checkAdamArgs(op, { w: w.size, g: g.size, m: m.size, v: v.size, step: step.size }, hyper);
  const buffers = new Set([w.buffer, g.buffer, m.buffer, v.buffer, step.buffer]);
  if (buffers.size !== 5) throw new ShapeError(`${op}: w, g, m, v and step must be distinct tensors`);
  return prepareKernel(gpu, {
    file: 'adam.wgsl', code, entry: 'update',
    bindings: [step, gpu.uniform(op, [
      ['u32', w.size], ['f32', hyper.lr], ['f32', hyper.beta1], ['f32', hyper.beta2], ['f32', hyper.epsilon],
      ['f32', lnBeta(hyper.beta1)], ['f32', lnBeta(hyper.beta2)],
    ]), w, g, m, v],
    grid: grid1d(Math.ceil(w.size / 256)),
    name: `adam.wgsl:update n=${w.size}`,
    flops: 12 * w.size, bytes: 28 * w.size,
  });
}
