// Named tensors of a model: trainable parameters (with their gradient buffer) and
// non-trainable state (BatchNormalization's moving statistics).

import type { Tensor } from '../kernels/gpu';

export type ParamRole = 'kernel' | 'bias' | 'gamma' | 'beta';

export interface Param {
  /** "<model>/<layer>/<keras weight>", e.g. "generator/conv2d_transpose/kernel". */
  readonly name: string;
  readonly role: ParamRole;
  readonly value: Tensor;
  /** Gradient buffer, shared by every trace: each training phase overwrites it before use. */
  readonly grad: Tensor;
}

export interface StateTensor {
  /** e.g. "discriminator/batch_normalization/moving_mean". */
  readonly name: string;
  readonly value: Tensor;
}
