// Pictures from a generator in the worker, as `lsgan generate --n N --seed S [--interpolate]`
// draws them (the same latent points, so the same pixels), with the GPU time of the drawing
// itself (pipelines are built in Sampler.create, so the time is the generator's speed: the
// page estimates seconds per training iteration from it before any iteration has run).

import type { Gpu } from '../src/kernels/gpu';
import type { Sequential } from '../src/nn/layers';
import { interpolateLatent, Sampler } from '../src/lsgan/sampler';
import type { DrawTime } from './protocol';

export interface Drawn {
  n: number;
  images: Float32Array;
  time: DrawTime;
}

/** `n` digits from fresh latent points of `seed`, or (interpolate) rows of 10 walking between pairs of them. */
export async function drawDigits(gpu: Gpu, g: Sequential, n: number, seed: number, interpolate: boolean): Promise<Drawn> {
  const latent = g.inputShape[0];
  const rows = Math.ceil(n / 10), count = interpolate ? 10 * rows : n;
  const sampler = await Sampler.create(gpu, g, count, seed);
  try {
    let images: Float32Array;
    let t0: number;
    if (interpolate) {
      // Each row walks a straight line between two latent points drawn from the seed.
      const ends = await Sampler.create(gpu, g, 2 * rows, seed);
      await ends.fresh(0);
      const z = interpolateLatent(await ends.latentPoints(), latent, rows, 10);
      ends.destroy();
      t0 = performance.now();
      images = await sampler.fromLatent(z);
    } else {
      t0 = performance.now();
      images = await sampler.fresh(0);
    }
    return { n: count, images, time: { n: count, ms: performance.now() - t0 } };
  } finally {
    sampler.destroy();
  }
}
