// A CPU reference of the LSGAN models, composed from the kernels' CPU twins in f64. It walks
// the same Sequential definitions the GPU runs (src/lsgan/models.ts), so architecture is
// written once; only the arithmetic differs.

import * as act from '../../src/kernels/activation.cpu';
import * as bn from '../../src/kernels/batchnorm.cpu';
import { BN_EPSILON, BN_MOMENTUM } from '../../src/kernels/batchnorm';
import { conv2dGeometry, conv2dTransposeGeometry } from '../../src/kernels/conv-geometry';
import * as conv from '../../src/kernels/conv2d.cpu';
import * as dense from '../../src/kernels/dense.cpu';
import { mseLoss } from '../../src/kernels/mse.cpu';
import { channelSum } from '../../src/kernels/reduce.cpu';
import { BatchNormalization, Conv2D, Conv2DTranspose, Dense, Reshape, type Sequential } from '../../src/nn/layers';

export type Arrays = Map<string, Float64Array>;

interface Step {
  backward: (dy: Float64Array) => Float64Array;
}

export interface CpuForward {
  out: Float64Array;
  shape: number[];
  /** Backpropagates dLoss/dout; fills `grads` for names in `trainable`; returns dLoss/dinput. */
  backward(dy: Float64Array, trainable: (name: string) => boolean, grads: Arrays): Float64Array;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Runs `model` on the CPU. `values` holds parameters and state by name; training mode updates the moving statistics in it. */
export function cpuForward(model: Sequential, values: Arrays, x: Float64Array, batch: number, training: boolean): CpuForward {
  let h = x;
  let shape = [batch, ...model.inputShape];
  const steps: Array<(dy: Float64Array, trainable: (n: string) => boolean, grads: Arrays) => Float64Array> = [];
  const get = (n: string) => {
    const v = values.get(n);
    if (v === undefined) throw new Error(`reference: no value for ${n}`);
    return v;
  };
  for (const layer of model.layers) {
    const input = h, inShape = shape;
    if (layer instanceof Dense) {
      const W = get(layer.kernel.name), b = get(layer.bias.name);
      shape = [batch, layer.units];
      const y = new Float64Array(size(shape));
      dense.denseForward(input, W, b, y);
      steps.push((dy, tr, grads) => {
        if (tr(layer.kernel.name)) { const dW = new Float64Array(W.length); dense.denseBackwardFilter(input, dy, dW); grads.set(layer.kernel.name, dW); }
        if (tr(layer.bias.name)) { const db = new Float64Array(b.length); channelSum(dy, db); grads.set(layer.bias.name, db); }
        const dx = new Float64Array(input.length);
        dense.denseBackwardInput(dy, W, dx);
        return dx;
      });
      h = y;
    } else if (layer instanceof Conv2D || layer instanceof Conv2DTranspose) {
      const W = get(layer.kernel.name), b = get(layer.bias.name);
      const transpose = layer instanceof Conv2DTranspose;
      const g = transpose
        ? conv2dTransposeGeometry(layer.name, inShape, layer.kernel.value.shape, layer.opts.strides, layer.opts.padding)
        : conv2dGeometry(layer.name, inShape, layer.kernel.value.shape, layer.opts.strides, layer.opts.padding);
      shape = transpose ? [g.N, g.H, g.W, g.C] : [g.N, g.OH, g.OW, g.F];
      const y = new Float64Array(size(shape));
      const activation = layer instanceof Conv2D ? layer.activation : 'linear';
      if (transpose) conv.conv2dTransposeForward(g, input, W, b, y);
      else conv.conv2dForward(g, input, W, b, y, activation);
      steps.push((dy, tr, grads) => {
        let dpre = dy;
        if (activation !== 'linear') { dpre = new Float64Array(dy.length); act.activationBackward(activation, y, dy, dpre); }
        if (tr(layer.kernel.name)) {
          const dW = new Float64Array(W.length);
          if (transpose) conv.conv2dTransposeBackwardFilter(g, input, dpre, dW); else conv.conv2dBackwardFilter(g, input, dpre, dW);
          grads.set(layer.kernel.name, dW);
        }
        if (tr(layer.bias.name)) { const db = new Float64Array(b.length); channelSum(dpre, db); grads.set(layer.bias.name, db); }
        const dx = new Float64Array(input.length);
        if (transpose) conv.conv2dTransposeBackwardInput(g, dpre, W, dx); else conv.conv2dBackwardInput(g, dpre, W, dx);
        return dx;
      });
      h = y;
    } else if (layer instanceof BatchNormalization) {
      const gamma = get(layer.gamma.name), beta = get(layer.beta.name);
      const mm = get(layer.movingMean.name), mv = get(layer.movingVariance.name);
      const C = layer.channels, a = layer.opts.activation;
      const y = new Float64Array(input.length);
      if (!training) {
        bn.batchNormInference(input, mm, mv, gamma, beta, y, a, BN_EPSILON);
        steps.push(() => { throw new Error('reference: no gradient through inference mode'); });
      } else {
        const stats = new Float64Array(2 * C);
        bn.batchNormStats(input, stats, mm, mv, { epsilon: BN_EPSILON, momentum: BN_MOMENTUM, unbiasedMovingVariance: layer.opts.unbiasedMovingVariance });
        bn.batchNormApply(input, stats, gamma, beta, y, a);
        steps.push((dy, tr, grads) => {
          const dgamma = new Float64Array(C), dbeta = new Float64Array(C), dx = new Float64Array(input.length);
          bn.batchNormBackwardReduce(input, y, dy, stats, dgamma, dbeta, a);
          bn.batchNormBackwardInput(input, y, dy, stats, gamma, dgamma, dbeta, dx, a);
          if (tr(layer.gamma.name)) grads.set(layer.gamma.name, dgamma);
          if (tr(layer.beta.name)) grads.set(layer.beta.name, dbeta);
          return dx;
        });
      }
      h = y;
    } else if (layer instanceof Reshape) {
      shape = layer.outputShape(inShape);
      steps.push((dy) => dy);
    } else {
      throw new Error(`reference: layer ${layer.name} has no CPU reference`);
    }
  }
  return {
    out: h,
    shape,
    backward(dy, trainable, grads) {
      let g = dy;
      for (let i = steps.length - 1; i >= 0; i--) g = steps[i](g, trainable, grads);
      return g;
    },
  };
}

/** MSE against a constant target through the twin: the loss and dLoss/dy. */
export function cpuMse(y: Float64Array, target: number): { loss: number; dy: Float64Array } {
  const dy = new Float64Array(y.length), loss = new Float64Array(1);
  mseLoss(y, target, dy, loss, 0);
  return { loss: loss[0], dy };
}
