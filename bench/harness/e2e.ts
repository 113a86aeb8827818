// End to end: Lsgan.trainStep (SPEC.md's three updates, one submit) at a batch, submitted back
// to back as training does, with the device instrumented (tracking.ts) to count submits and
// buffers created while timed and the bytes of GPU buffers the model holds.

import type { Gpu } from '../../src/kernels/gpu';
import { Lsgan, TUTORIAL } from '../../src/lsgan/lsgan';
import type { IdxImages } from '../../src/lsgan/idx';
import { spread } from './stats';
import { trackDevice } from './tracking';
import type { EndToEndRun } from './types';

/** The tutorial: 20 epochs of 937 iterations (60,000 / 64). */
export const TUTORIAL_ITERATIONS = 18_740;

export const IMAGES_DEFINITION =
  'images per iteration = 2 x batch: the discriminator sees batch/2 real + batch/2 fake images and the composite batch latent points (generated images), as the tutorial counts them (n_batch = 64, half_batch = 32)';

export interface EndToEndOptions {
  warmup: number;
  iterations: number;
  rounds: number;
  seed: number;
  log: (line: string) => void;
}

export async function benchEndToEnd(gpu: Gpu, images: IdxImages, batch: number, o: EndToEndOptions): Promise<EndToEndRun> {
  const tracker = trackDevice(gpu.device);
  let m: Lsgan | null = null;
  try {
    m = await Lsgan.create(gpu, { ...TUTORIAL, batch, seed: o.seed }, images);
    const done: number[] = [];
    let last: { d1: number; d2: number; g: number } | null = null;
    m.onLosses((l) => {
      done.push(performance.now());
      last = { d1: l.d1, d2: l.d2, g: l.g };
    });
    for (let i = 0; i < o.warmup; i++) {
      const t0 = performance.now();
      await m.trainStep();
      await m.flush();
      o.log(`  batch ${batch} warm-up ${i + 1}/${o.warmup}: ${(performance.now() - t0).toFixed(1)} ms`);
    }
    const created0 = tracker.created, submits0 = tracker.submits;
    const roundMs: number[] = [], intervals: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      done.length = 0;
      const t0 = performance.now();
      for (let i = 0; i < o.iterations; i++) await m.trainStep();
      await m.flush();
      const t1 = performance.now();
      roundMs.push((t1 - t0) / o.iterations);
      done.forEach((t, i) => intervals.push(t - (i === 0 ? t0 : done[i - 1])));
      o.log(`  batch ${batch} round ${r + 1}/${o.rounds}: ${((t1 - t0) / o.iterations).toFixed(1)} ms per iteration over ${o.iterations}`);
    }
    const timed = o.rounds * o.iterations;
    const buffersCreated = tracker.created - created0;
    const submits = (tracker.submits - submits0) / timed;
    const ms = spread(roundMs).median;
    const kernels = m.kernelCount, dispatches = m.dispatchCount;
    gpu.check();
    return {
      batch, warmup: o.warmup, iterations: o.iterations, rounds: o.rounds,
      msPerIteration: ms, roundMs: spread(roundMs), intervalMs: spread(intervals),
      imagesPerIteration: 2 * batch,
      imagesPerSecond: (2 * batch) / (ms / 1000),
      tutorialIterationsSeconds: (TUTORIAL_ITERATIONS * ms) / 1000,
      twentyEpochsSeconds: (20 * Math.floor(60_000 / batch) * ms) / 1000,
      kernelsPerIteration: kernels,
      dispatchesPerIteration: dispatches,
      passesPerIteration: m.phases.length,
      submitsPerIteration: submits,
      buffersCreatedWhileTimed: buffersCreated,
      gpuMemoryBytes: tracker.liveBytes,
      gpuBuffers: tracker.live,
      lastLosses: last,
    };
  } finally {
    m?.destroy();
    tracker.uninstall();
  }
}
