// Launchers for shaders/activation.wgsl: ReLU, LeakyReLU and tanh, forward and backward.
// CPU twins: activation.cpu.ts.

import code from '../../shaders/activation.wgsl?raw';
import { ShapeError } from './errors';
import type { Gpu, Tensor } from './gpu';
import { expectSize, grid1d, prepareKernel, type Kernel } from './kernel';

export type Activation = 'relu' | 'leaky_relu' | 'tanh';

/** Keras' LeakyReLU slope for the discriminator. */
export const LEAKY_ALPHA = 0.2;

export const ACTIVATION_CODE: Record<Activation, number> = { relu: 0, leaky_relu: 1, tanh: 2 };

export function activationCode(op: string, act: string): number {
  const c = (ACTIVATION_CODE as Record<string, number>)[act];
  if (c === undefined) throw new ShapeError(`${op}: unsupported activation '${act}' (expected relu, leaky_relu or tanh)`);
  return c;
}

/** y = act(x), elementwise; overwrites y. */
export function activationForward(gpu: Gpu, act: Activation, x: Tensor, y: Tensor, alpha = LEAKY_ALPHA): Promise<Kernel> {
  const op = `activationForward(${act})`;
  expectSize(op, 'y', y, x.size);
  return prepareKernel(gpu, {
    file: 'activation.wgsl', code, entry: 'forward',
    constants: { ACT: activationCode(op, act) },
    bindings: [gpu.uniform(op, [['u32', x.size], ['f32', alpha]]), x, y],
    grid: grid1d(Math.ceil(x.size / 256)),
    name: `activation.wgsl:forward ${act} n=${x.size}`,
    flops: x.size, bytes: 8 * x.size,
  });
}

/** dx = dy * act'(x), computed from the forward output y; overwrites dx. */
export function activationBackward(gpu: Gpu, act: Activation, y: Tensor, dy: Tensor, dx: Tensor, alpha = LEAKY_ALPHA): Promise<Kernel> {
  const op = `activationBackward(${act})`;
  expectSize(op, 'dy', dy, y.size);
  expectSize(op, 'dx', dx, y.size);
  return prepareKernel(gpu, {
    file: 'activation.wgsl', code, entry: 'backward',
    constants: { ACT: activationCode(op, act) },
    bindings: [gpu.uniform(op, [['u32', y.size], ['f32', alpha]]), y, dx, dy],
    grid: grid1d(Math.ceil(y.size / 256)),
    name: `activation.wgsl:backward ${act} n=${y.size}`,
    flops: 2 * y.size, bytes: 12 * y.size,
  });
}
