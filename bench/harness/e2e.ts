// End to end: Lsgan.trainStep (SPEC.md's three updates, one submit) at a batch, for one kernel
// family, submitted back to back as training does. A contestant of interleave.ts: built (and
// warmed up) once, then timed round by round, its rounds alternating with the other
// contestants' at the same batch. The device is instrumented (tracking.ts) while this model is
// built and warmed up (the bytes of GPU buffers it holds) and during each of its rounds
// (submits, buffers created while timed), so the other models on the same device do not count.

import type { Gpu } from '../../src/kernels/gpu';
import { Lsgan, TUTORIAL } from '../../src/lsgan/lsgan';
import type { IdxImages } from '../../src/lsgan/idx';
import type { Contestant } from './interleave';
import { spread } from './stats';
import { trackDevice, type GpuTracker } from './tracking';
import type { EndToEndRun, Family } from './types';

/** The tutorial: 20 epochs of 937 iterations (60,000 / 64). */
export const TUTORIAL_ITERATIONS = 18_740;

export const IMAGES_DEFINITION =
  'images per iteration = 2 x batch: the discriminator sees batch/2 real + batch/2 fake images and the composite batch latent points (generated images), as the tutorial counts them (n_batch = 64, half_batch = 32)';

export interface EndToEndOptions {
  warmup: number;
  iterations: number;
  seed: number;
  log: (line: string) => void;
}

export class OursAtBatch implements Contestant {
  readonly name: string;
  private readonly roundMs: number[] = [];
  private readonly intervals: number[] = [];
  private readonly trackers: GpuTracker[] = [];
  private readonly done: number[] = [];
  private last: EndToEndRun['lastLosses'] = null;
  private submits = 0;
  private created = 0;

  private constructor(
    private readonly gpu: Gpu,
    private readonly m: Lsgan,
    readonly family: Family,
    private readonly batch: number,
    private readonly o: EndToEndOptions,
    setup: GpuTracker,
  ) {
    this.name = `ours:${family}`;
    this.trackers.push(setup);
    m.onLosses((l) => {
      this.done.push(performance.now());
      this.last = { d1: l.d1, d2: l.d2, g: l.g };
    });
  }

  /** Builds the model with `family`'s kernels (Gpu.useKernels affects kernels prepared afterwards) and runs the warm-up. */
  static async create(gpu: Gpu, family: Family, images: IdxImages, batch: number, o: EndToEndOptions): Promise<OursAtBatch> {
    const tracker = trackDevice(gpu.device);
    let c: OursAtBatch | null = null;
    try {
      gpu.useKernels(family);
      const m = await Lsgan.create(gpu, { ...TUTORIAL, batch, seed: o.seed }, images);
      c = new OursAtBatch(gpu, m, family, batch, o, tracker);
      for (let i = 0; i < o.warmup; i++) {
        const t0 = performance.now();
        await m.trainStep();
        await m.flush();
        o.log(`  ${c.name} batch ${batch} warm-up ${i + 1}/${o.warmup}: ${(performance.now() - t0).toFixed(1)} ms`);
      }
      return c;
    } catch (e) {
      c?.destroy();
      throw e;
    } finally {
      tracker.uninstall();
    }
  }

  async round(): Promise<number> {
    const tracker = trackDevice(this.gpu.device);
    try {
      this.done.length = 0;
      const t0 = performance.now();
      for (let i = 0; i < this.o.iterations; i++) await this.m.trainStep();
      await this.m.flush();
      const ms = (performance.now() - t0) / this.o.iterations;
      this.roundMs.push(ms);
      this.done.forEach((t, i) => this.intervals.push(t - (i === 0 ? t0 : this.done[i - 1])));
      this.o.log(`  ${this.name} batch ${this.batch} round ${this.roundMs.length}: ${ms.toFixed(1)} ms per iteration over ${this.o.iterations}`);
      this.gpu.check();
      return ms;
    } finally {
      tracker.uninstall();
      this.submits += tracker.submits;
      this.created += tracker.created;
      this.trackers.push(tracker);
    }
  }

  get rounds(): readonly number[] {
    return this.roundMs;
  }

  result(): EndToEndRun {
    const { batch, o, m } = this;
    const timed = this.roundMs.length * o.iterations;
    const ms = spread(this.roundMs).median;
    return {
      family: this.family, batch, warmup: o.warmup, iterations: o.iterations, rounds: this.roundMs.length,
      msPerIteration: ms, roundMs: spread(this.roundMs), perRoundMs: [...this.roundMs], intervalMs: spread(this.intervals),
      imagesPerIteration: 2 * batch,
      imagesPerSecond: (2 * batch) / (ms / 1000),
      tutorialIterationsSeconds: (TUTORIAL_ITERATIONS * ms) / 1000,
      twentyEpochsSeconds: (20 * Math.floor(60_000 / batch) * ms) / 1000,
      kernelsPerIteration: m.kernelCount,
      dispatchesPerIteration: m.dispatchCount,
      passesPerIteration: m.phases.length,
      submitsPerIteration: this.submits / timed,
      buffersCreatedWhileTimed: this.created,
      // Buffers destroyed later still update their tracker (tracking.ts wraps each buffer's destroy).
      gpuMemoryBytes: this.trackers.reduce((a, t) => a + t.liveBytes, 0),
      gpuBuffers: this.trackers.reduce((a, t) => a + t.live, 0),
      lastLosses: this.last,
    };
  }

  destroy(): void {
    this.m.destroy();
  }
}
