// Keras layers on the GPU kernels. Each layer's forward prepares its kernels into a Trace
// and records, right beside them, how to prepare its backward kernels.
// Weights use Keras' layouts and names, so checkpoints map one-to-one onto Keras models.

import { activationBackward, activationForward, type Activation } from '../kernels/activation';
import {
  batchNormApply, batchNormBackwardInput, batchNormBackwardReduce, batchNormInference, batchNormStats,
  BN_EPSILON, BN_MOMENTUM,
} from '../kernels/batchnorm';
import { conv2dGeometry, conv2dTransposeGeometry, type Padding } from '../kernels/conv-geometry';
import {
  conv2dBackwardFilter, conv2dBackwardInput, conv2dForward,
  conv2dTransposeBackwardFilter, conv2dTransposeBackwardInput, conv2dTransposeForward,
} from '../kernels/conv2d';
import { addInto } from '../kernels/elementwise';
import { denseBackwardFilter, denseBackwardInput, denseForward } from '../kernels/dense';
import { ShapeError, shapeString } from '../kernels/errors';
import { Tensor, type Gpu } from '../kernels/gpu';
import { channelSum } from '../kernels/reduce';
import type { Param, ParamRole, StateTensor } from './param';
import type { Trace } from './trace';

export interface Layer {
  readonly name: string;
  readonly params: readonly Param[];
  readonly state: readonly StateTensor[];
  /** Output shape for an input shape (batch first). */
  outputShape(input: readonly number[]): number[];
  forward(t: Trace, x: Tensor): Promise<Tensor>;
}

function param(gpu: Gpu, layer: string, role: ParamRole, shape: number[]): Param {
  const name = `${layer}/${role}`;
  return { name, role, value: gpu.tensor(shape, name), grad: gpu.tensor(shape, `d(${name})`) };
}

function state(gpu: Gpu, layer: string, what: string, shape: number[]): StateTensor {
  const name = `${layer}/${what}`;
  return { name, value: gpu.tensor(shape, name) };
}

function expectRank(layer: string, x: Tensor, rank: number): void {
  if (x.shape.length !== rank) throw new ShapeError(`${layer}: input ${x.label} has shape ${shapeString(x.shape)}, expected rank ${rank}`);
}

/** The gradient before a fused output activation: dy * act'(y), in a trace-owned buffer. */
async function throughActivation(t: Trace, act: Activation | 'linear', y: Tensor, dy: Tensor): Promise<Tensor> {
  if (act === 'linear') return dy;
  const dpre = t.tensor(y.shape, `d(${y.label})pre`);
  t.backward.push(await activationBackward(t.gpu, act, y, dy, dpre));
  return dpre;
}

export class Dense implements Layer {
  readonly params: Param[];
  readonly state: StateTensor[] = [];
  readonly kernel: Param;
  readonly bias: Param;
  constructor(gpu: Gpu, readonly name: string, readonly inputs: number, readonly units: number) {
    this.kernel = param(gpu, name, 'kernel', [inputs, units]);
    this.bias = param(gpu, name, 'bias', [units]);
    this.params = [this.kernel, this.bias];
  }
  outputShape(input: readonly number[]): number[] {
    return [input[0], this.units];
  }
  async forward(t: Trace, x: Tensor): Promise<Tensor> {
    expectRank(this.name, x, 2);
    const y = t.tensor(this.outputShape(x.shape), `${this.name}/out`);
    await t.run(denseForward(t.gpu, x, this.kernel.value, this.bias.value, y));
    t.record(y, [x], this.params, async (dy) => {
      await t.paramGrad(this.kernel, (dst) => denseBackwardFilter(t.gpu, x, dy, dst));
      await t.paramGrad(this.bias, (dst) => channelSum(t.gpu, dy, dst));
      await t.gradInto(x, (dst) => denseBackwardInput(t.gpu, dy, this.kernel.value, dst));
    });
    return y;
  }
}

export interface ConvOptions {
  kernelSize: number;
  strides: number;
  padding: Padding;
  /** Keras' `activation=` argument, fused into the convolution's epilogue. */
  activation?: Activation | 'linear';
}

export class Conv2D implements Layer {
  readonly params: Param[];
  readonly state: StateTensor[] = [];
  readonly kernel: Param;
  readonly bias: Param;
  readonly activation: Activation | 'linear';
  constructor(gpu: Gpu, readonly name: string, readonly inChannels: number, readonly filters: number, readonly opts: ConvOptions) {
    const k = opts.kernelSize;
    this.kernel = param(gpu, name, 'kernel', [k, k, inChannels, filters]);
    this.bias = param(gpu, name, 'bias', [filters]);
    this.params = [this.kernel, this.bias];
    this.activation = opts.activation ?? 'linear';
  }
  outputShape(input: readonly number[]): number[] {
    const g = conv2dGeometry(this.name, input, this.kernel.value.shape, this.opts.strides, this.opts.padding);
    return [g.N, g.OH, g.OW, g.F];
  }
  async forward(t: Trace, x: Tensor): Promise<Tensor> {
    const g = conv2dGeometry(this.name, x.shape, this.kernel.value.shape, this.opts.strides, this.opts.padding);
    const y = t.tensor([g.N, g.OH, g.OW, g.F], `${this.name}/out`);
    await t.run(conv2dForward(t.gpu, g, x, this.kernel.value, this.bias.value, y, this.activation));
    t.record(y, [x], this.params, async (dy) => {
      const dpre = await throughActivation(t, this.activation, y, dy);
      await t.paramGrad(this.kernel, (dst) => conv2dBackwardFilter(t.gpu, g, x, dpre, dst));
      await t.paramGrad(this.bias, (dst) => channelSum(t.gpu, dpre, dst));
      await t.gradInto(x, (dst) => conv2dBackwardInput(t.gpu, g, dpre, this.kernel.value, dst));
    });
    return y;
  }
}

export class Conv2DTranspose implements Layer {
  readonly params: Param[];
  readonly state: StateTensor[] = [];
  readonly kernel: Param;
  readonly bias: Param;
  constructor(gpu: Gpu, readonly name: string, readonly inChannels: number, readonly filters: number, readonly opts: Omit<ConvOptions, 'activation'>) {
    const k = opts.kernelSize;
    // Keras stores a transposed convolution's kernel as [kh, kw, out, in].
    this.kernel = param(gpu, name, 'kernel', [k, k, filters, inChannels]);
    this.bias = param(gpu, name, 'bias', [filters]);
    this.params = [this.kernel, this.bias];
  }
  outputShape(input: readonly number[]): number[] {
    const g = conv2dTransposeGeometry(this.name, input, this.kernel.value.shape, this.opts.strides, this.opts.padding);
    return [g.N, g.H, g.W, g.C];
  }
  async forward(t: Trace, x: Tensor): Promise<Tensor> {
    const g = conv2dTransposeGeometry(this.name, x.shape, this.kernel.value.shape, this.opts.strides, this.opts.padding);
    const y = t.tensor([g.N, g.H, g.W, g.C], `${this.name}/out`);
    await t.run(conv2dTransposeForward(t.gpu, g, x, this.kernel.value, this.bias.value, y));
    t.record(y, [x], this.params, async (dy) => {
      await t.paramGrad(this.kernel, (dst) => conv2dTransposeBackwardFilter(t.gpu, g, x, dy, dst));
      await t.paramGrad(this.bias, (dst) => channelSum(t.gpu, dy, dst));
      await t.gradInto(x, (dst) => conv2dTransposeBackwardInput(t.gpu, g, dy, this.kernel.value, dst));
    });
    return y;
  }
}

export interface BatchNormOptionsLayer {
  /** The activation layer that follows in the Keras model, fused into this one. */
  activation: 'linear' | 'relu' | 'leaky_relu';
  /** tf.keras updates the moving variance from the unbiased batch variance after
   *  convolutions (fused path, 4-D input) and from the biased one after Dense (2-D). */
  unbiasedMovingVariance: boolean;
}

export class BatchNormalization implements Layer {
  readonly params: Param[];
  readonly state: StateTensor[];
  readonly gamma: Param;
  readonly beta: Param;
  readonly movingMean: StateTensor;
  readonly movingVariance: StateTensor;
  constructor(gpu: Gpu, readonly name: string, readonly channels: number, readonly opts: BatchNormOptionsLayer) {
    this.gamma = param(gpu, name, 'gamma', [channels]);
    this.beta = param(gpu, name, 'beta', [channels]);
    this.movingMean = state(gpu, name, 'moving_mean', [channels]);
    this.movingVariance = state(gpu, name, 'moving_variance', [channels]);
    this.params = [this.gamma, this.beta];
    this.state = [this.movingMean, this.movingVariance];
  }
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
  async forward(t: Trace, x: Tensor): Promise<Tensor> {
    const C = this.channels, act = this.opts.activation, gpu = t.gpu;
    if (x.shape[x.shape.length - 1] !== C) throw new ShapeError(`${this.name}: input ${x.label} has shape ${shapeString(x.shape)}, expected ${C} channels last`);
    const y = t.tensor(x.shape, `${this.name}/out`);
    if (!t.training) {
      await t.run(batchNormInference(gpu, x, this.movingMean.value, this.movingVariance.value, this.gamma.value, this.beta.value, y, act, BN_EPSILON));
      if (t.record(y, [x], this.params, async () => undefined)) throw new ShapeError(`${this.name}: gradients through inference mode are not supported`);
      return y;
    }
    // Row 0 the batch mean, row 1 the inverse standard deviation.
    const stats = t.tensor([2, C], `${this.name}/batch_stats`);
    await t.run(batchNormStats(gpu, x, stats, this.movingMean.value, this.movingVariance.value, {
      epsilon: BN_EPSILON, momentum: BN_MOMENTUM, unbiasedMovingVariance: this.opts.unbiasedMovingVariance,
    }));
    await t.run(batchNormApply(gpu, x, stats, this.gamma.value, this.beta.value, y, act));
    t.record(y, [x], this.params, async (dy) => {
      // dgamma and dbeta are needed for dx whether or not gamma and beta train here.
      const gammaTarget = t.paramGradTarget(this.gamma), betaTarget = t.paramGradTarget(this.beta);
      const dgamma = gammaTarget ?? t.tensor([C], `${this.name}/dgamma`);
      const dbeta = betaTarget ?? t.tensor([C], `${this.name}/dbeta`);
      t.backward.push(await batchNormBackwardReduce(gpu, x, y, dy, stats, dgamma, dbeta, act));
      // A parameter used twice in one trace: fold this use's gradient in.
      if (gammaTarget === null && t.trainable(this.gamma)) t.backward.push(await addInto(gpu, dgamma, this.gamma.grad));
      if (betaTarget === null && t.trainable(this.beta)) t.backward.push(await addInto(gpu, dbeta, this.beta.grad));
      await t.gradInto(x, (dst) => batchNormBackwardInput(gpu, x, y, dy, stats, this.gamma.value, dgamma, dbeta, dst, act));
    });
    return y;
  }
}

/** A standalone activation layer (Keras LeakyReLU, ReLU, Activation('tanh')). */
export class ActivationLayer implements Layer {
  readonly params: Param[] = [];
  readonly state: StateTensor[] = [];
  constructor(readonly name: string, readonly activation: Activation) {}
  outputShape(input: readonly number[]): number[] {
    return [...input];
  }
  async forward(t: Trace, x: Tensor): Promise<Tensor> {
    const y = t.tensor(x.shape, `${this.name}/out`);
    await t.run(activationForward(t.gpu, this.activation, x, y));
    t.record(y, [x], [], async (dy) => {
      await t.gradInto(x, (dst) => activationBackward(t.gpu, this.activation, y, dy, dst));
    });
    return y;
  }
}

/** Keras Reshape / Flatten: a view of the same row-major buffer (NHWC order). */
export class Reshape implements Layer {
  readonly params: Param[] = [];
  readonly state: StateTensor[] = [];
  constructor(readonly name: string, readonly target: readonly number[]) {}
  outputShape(input: readonly number[]): number[] {
    const inner = input.slice(1).reduce((a, b) => a * b, 1);
    const want = this.target.reduce((a, b) => a * b, 1);
    if (inner !== want) throw new ShapeError(`${this.name}: cannot reshape ${shapeString(input)} to [${input[0]}, ${this.target.join(', ')}]`);
    return [input[0], ...this.target];
  }
  async forward(t: Trace, x: Tensor): Promise<Tensor> {
    const y = new Tensor(x.buffer, this.outputShape(x.shape), `${this.name}/out`);
    t.alias(x, y);
    return y;
  }
}

export function flatten(name: string, input: readonly number[]): Reshape {
  return new Reshape(name, [input.slice(1).reduce((a, b) => a * b, 1)]);
}

/** Keras Sequential: layers applied in order. */
export class Sequential {
  constructor(readonly name: string, readonly layers: readonly Layer[], readonly inputShape: readonly number[]) {
    let shape = [1, ...inputShape];
    for (const l of layers) shape = l.outputShape(shape);
  }
  get params(): Param[] {
    return this.layers.flatMap((l) => l.params);
  }
  get state(): StateTensor[] {
    return this.layers.flatMap((l) => l.state);
  }
  outputShape(batch: number): number[] {
    let shape = [batch, ...this.inputShape];
    for (const l of this.layers) shape = l.outputShape(shape);
    return shape;
  }
  /** Frees the parameters, their gradient buffers and the state. */
  destroy(): void {
    for (const p of this.params) { p.value.buffer.destroy(); p.grad.buffer.destroy(); }
    for (const s of this.state) s.value.buffer.destroy();
  }
  async forward(t: Trace, x: Tensor): Promise<Tensor> {
    const want = [x.shape[0], ...this.inputShape];
    if (x.shape.length !== want.length || x.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError(`${this.name}: input ${x.label} has shape ${shapeString(x.shape)}, expected ${shapeString(want)}`);
    }
    let h = x;
    for (const l of this.layers) h = await l.forward(t, h);
    return h;
  }
}
