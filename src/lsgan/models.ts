// The tutorial's two models (SPEC.md tables), layer for layer. Keras' separate activation
// layers after BatchNormalization are fused into it, and the generator's final tanh into
// its last Conv2D; neither has weights, so the parameters map one-to-one onto Keras.

import type { Gpu } from '../kernels/gpu';
import { BatchNormalization, Conv2D, Conv2DTranspose, Dense, flatten, Reshape, Sequential } from '../nn/layers';

export const IMAGE_SHAPE = [28, 28, 1] as const;

export function buildDiscriminator(gpu: Gpu): Sequential {
  const n = (layer: string) => `discriminator/${layer}`;
  const conv = { kernelSize: 4, strides: 2, padding: 'same' } as const;
  const bn = { activation: 'leaky_relu', unbiasedMovingVariance: true } as const;
  return new Sequential('discriminator', [
    new Conv2D(gpu, n('conv2d'), 1, 64, conv),
    new BatchNormalization(gpu, n('batch_normalization'), 64, bn), // + LeakyReLU(0.2)
    new Conv2D(gpu, n('conv2d_1'), 64, 128, conv),
    new BatchNormalization(gpu, n('batch_normalization_1'), 128, bn), // + LeakyReLU(0.2)
    flatten(n('flatten'), [0, 7, 7, 128]),
    new Dense(gpu, n('dense'), 7 * 7 * 128, 1),
  ], IMAGE_SHAPE);
}

export function buildGenerator(gpu: Gpu, latent = 100): Sequential {
  const n = (layer: string) => `generator/${layer}`;
  const convT = { kernelSize: 4, strides: 2, padding: 'same' } as const;
  const bnConv = { activation: 'relu', unbiasedMovingVariance: true } as const;
  return new Sequential('generator', [
    new Dense(gpu, n('dense'), latent, 256 * 7 * 7),
    // After Dense, tf.keras takes the non-fused BatchNormalization path: biased moving variance.
    new BatchNormalization(gpu, n('batch_normalization'), 256 * 7 * 7, { activation: 'relu', unbiasedMovingVariance: false }),
    new Reshape(n('reshape'), [7, 7, 256]),
    new Conv2DTranspose(gpu, n('conv2d_transpose'), 256, 128, convT),
    new BatchNormalization(gpu, n('batch_normalization_1'), 128, bnConv), // + ReLU
    new Conv2DTranspose(gpu, n('conv2d_transpose_1'), 128, 64, convT),
    new BatchNormalization(gpu, n('batch_normalization_2'), 64, bnConv), // + ReLU
    new Conv2D(gpu, n('conv2d'), 64, 1, { kernelSize: 7, strides: 1, padding: 'same', activation: 'tanh' }),
  ], [latent]);
}

/** Trainable parameter count (Keras' model.summary()). */
export function countParams(model: Sequential): { trainable: number; state: number } {
  return {
    trainable: model.params.reduce((a, p) => a + p.value.size, 0),
    state: model.state.reduce((a, s) => a + s.value.size, 0),
  };
}
