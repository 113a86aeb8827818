// Keras initial values: kernels RandomNormal(0, 0.02), biases and beta 0, gamma 1, moving
// mean 0, moving variance 1. Kernels are drawn on the GPU by the Philox generator, one
// stream per parameter, so an initialisation is reproducible from the seed alone.

import type { Gpu } from '../kernels/gpu';
import { runKernels, type Kernel } from '../kernels/kernel';
import { randomNormal } from '../kernels/random';
import type { Sequential } from '../nn/layers';

export const INIT_STDDEV = 0.02;

/** Philox streams 1000+i for the discriminator's parameters, 2000+i for the generator's. */
export async function initializeKeras(gpu: Gpu, model: Sequential, seed: number, firstStream: number): Promise<void> {
  const step = gpu.tensor([1], 'init/step');
  const kernels: Kernel[] = [];
  for (const [i, p] of model.params.entries()) {
    if (p.role === 'kernel') kernels.push(await randomNormal(gpu, p.value, step, { seed, stream: firstStream + i, mean: 0, std: INIT_STDDEV }));
    else gpu.write(p.value, new Float32Array(p.value.size).fill(p.role === 'gamma' ? 1 : 0));
  }
  for (const s of model.state) gpu.write(s.value, new Float32Array(s.value.size).fill(s.name.endsWith('moving_variance') ? 1 : 0));
  runKernels(gpu, kernels, `init ${model.name}`);
  await gpu.device.queue.onSubmittedWorkDone();
  step.buffer.destroy();
  gpu.check();
}
