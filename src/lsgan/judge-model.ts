// The MNIST judge: a small CNN classifier built from the library's own layers, used to score
// generated digits (score.ts: a Fréchet distance on its penultimate features, its confidence,
// the class histogram). Small on purpose: it trains in minutes on a CPU adapter and reads
// 1,000 digits in a fraction of the generator's time to draw them.
//
//   conv2d     Conv2D 32, 3x3, stride 2, 'same', ReLU     28x28x1 -> 14x14x32
//   conv2d_1   Conv2D 64, 3x3, stride 2, 'same', ReLU     -> 7x7x64
//   flatten    (NHWC order)                               -> 3136
//   dense      Dense 128, then ReLU (re_lu)               -> 128   the features
//   dense_1    Dense 10, linear                           -> 10    the logits
// Inputs are MNIST digits scaled to [-1, 1] as the LSGAN sees them (and as its generator
// draws them), NHWC. Weights in Keras layouts, named judge/<layer>/<weight>.

import type { Gpu, Tensor } from '../kernels/gpu';
import { runKernels, type Kernel } from '../kernels/kernel';
import { randomNormal } from '../kernels/random';
import { ActivationLayer, Conv2D, Dense, flatten, Sequential } from '../nn/layers';
import type { Trace } from '../nn/trace';
import { IMAGE_SHAPE } from './models';

export const JUDGE_FEATURES = 128;
export const JUDGE_CLASSES = 10;
/** Layers up to and including this one give the features; the rest the logits. */
const FEATURES_LAYER = 'judge/re_lu';

export const JUDGE_ARCHITECTURE =
  'MNIST judge: Conv2D(32,3,s2,same,relu)-Conv2D(64,3,s2,same,relu)-Flatten-Dense(128)-ReLU (features)-Dense(10) (logits); inputs in [-1,1], NHWC; Keras weight layouts';

export function buildJudge(gpu: Gpu): Sequential {
  const n = (layer: string) => `judge/${layer}`;
  const conv = { kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' } as const;
  return new Sequential('judge', [
    new Conv2D(gpu, n('conv2d'), 1, 32, conv),
    new Conv2D(gpu, n('conv2d_1'), 32, 64, conv),
    flatten(n('flatten'), [0, 7, 7, 64]),
    new Dense(gpu, n('dense'), 7 * 7 * 64, JUDGE_FEATURES),
    new ActivationLayer(FEATURES_LAYER, 'relu'),
    new Dense(gpu, n('dense_1'), JUDGE_FEATURES, JUDGE_CLASSES),
  ], IMAGE_SHAPE);
}

/** The judge's forward pass into a trace, giving the features [N, 128] and the logits [N, 10]. */
export async function judgeForward(t: Trace, judge: Sequential, x: Tensor): Promise<{ features: Tensor; logits: Tensor }> {
  let h = x, features: Tensor | null = null;
  for (const l of judge.layers) {
    h = await l.forward(t, h);
    if (l.name === FEATURES_LAYER) features = h;
  }
  if (features === null) throw new Error(`${judge.name}: no layer ${FEATURES_LAYER}`);
  return { features, logits: h };
}

/**
 * He-normal kernels (stddev sqrt(2 / fan_in), right for ReLU layers; the tutorial's
 * RandomNormal(0.02) starves a deep ReLU stack), zero biases. Drawn on the GPU by Philox,
 * stream 3000 + the parameter's index, so the initial judge follows from the seed alone.
 */
export async function initializeJudge(gpu: Gpu, judge: Sequential, seed: number): Promise<void> {
  const step = gpu.tensor([1], 'judge-init/step');
  const kernels: Kernel[] = [];
  for (const [i, p] of judge.params.entries()) {
    if (p.role !== 'kernel') {
      gpu.write(p.value, new Float32Array(p.value.size));
      continue;
    }
    const fanIn = p.value.size / p.value.shape[p.value.shape.length - 1];
    kernels.push(await randomNormal(gpu, p.value, step, { seed, stream: 3000 + i, mean: 0, std: Math.sqrt(2 / fanIn) }));
  }
  runKernels(gpu, kernels, 'init judge');
  await gpu.device.queue.onSubmittedWorkDone();
  for (const k of kernels) k.destroy();
  step.buffer.destroy();
  gpu.check();
}
