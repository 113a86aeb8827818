// The tutorial's training iteration (SPEC.md), recorded once and replayed:
//   1. d_model.train_on_batch(32 real images, 1)        phase "d_real"
//   2. d_model.train_on_batch(G.predict(32 z), 0)       phase "d_fake" (G in inference mode)
//   3. gan.train_on_batch(64 z, 1)                      phase "gan" (D's conv/dense frozen)
// Everything, including drawing the batch and the latent points, runs on the GPU from
// one command encoder and one submit per iteration. The randomness is Philox keyed by
// (seed, stream) and counted by the iteration number, so the run's whole random state is
// its seed and its step. The three losses come back through a small ring of staging
// buffers that is never waited on unless the GPU falls that many iterations behind.

import { adamTick } from '../kernels/adam';
import type { Gpu, Tensor } from '../kernels/gpu';
import type { Kernel } from '../kernels/kernel';
import type { KernelProfiler, KernelTime } from '../kernels/profiler';
import { gatherBatch, uploadImages } from '../kernels/mnist';
import { mseLoss } from '../kernels/mse';
import { randomInt, randomNormal } from '../kernels/random';
import { Adam } from '../nn/adam';
import type { Sequential } from '../nn/layers';
import type { Param } from '../nn/param';
import { Trace } from '../nn/trace';
import type { IdxImages } from './idx';
import { initializeKeras } from './init';
import { buildDiscriminator, buildGenerator, IMAGE_SHAPE } from './models';

export interface LsganConfig {
  batch: number;
  latent: number;
  lr: number;
  beta1: number;
  seed: number;
}

export const TUTORIAL = { batch: 64, latent: 100, lr: 0.0002, beta1: 0.5, seed: 1, epochs: 20 } as const;

/** Philox streams: one per use, so no two draws share random numbers. */
export const STREAM = { realIndex: 0, fakeLatent: 1, ganLatent: 2, sample: 3 } as const;

export interface Losses {
  step: number;
  d1: number;
  d2: number;
  g: number;
}

export function batchesPerEpoch(count: number, batch: number): number {
  return Math.floor(count / batch);
}

interface Phase {
  name: string;
  kernels: Kernel[];
}

const RING = 4;

export class Lsgan {
  readonly g: Sequential;
  readonly d: Sequential;
  readonly dOpt: Adam;
  readonly ganOpt: Adam;
  /** The iteration number (f32 [1]), ticked at the start of every iteration. */
  readonly iteration: Tensor;
  /** d1, d2, g of the last iteration. */
  readonly losses: Tensor;
  readonly images: Tensor;
  readonly imageCount: number;
  /** Host mirror of `iteration`. */
  step = 0;
  phases: Phase[] = [];
  private readonly traces: Trace[] = [];
  private readonly owned: Tensor[] = [];
  private readonly staging: GPUBuffer[];
  private readonly inFlight: Array<Promise<void> | null>;
  private readonly listeners: Array<(l: Losses) => void> = [];

  private constructor(readonly gpu: Gpu, readonly config: LsganConfig, images: IdxImages) {
    if (config.batch < 2 || config.batch % 2 !== 0) throw new RangeError(`batch must be an even number >= 2 (got ${config.batch})`);
    this.g = buildGenerator(gpu, config.latent);
    this.d = buildDiscriminator(gpu);
    const adam = { lr: config.lr, beta1: config.beta1 };
    this.dOpt = new Adam(gpu, 'd_optimizer', this.d.params, adam);
    // The composite's own Adam: the generator, and of the discriminator only what the
    // tutorial leaves trainable when it freezes it (BatchNormalization's gamma and beta).
    this.ganOpt = new Adam(gpu, 'gan_optimizer', [...this.g.params, ...this.d.params.filter(isBatchNormParam)], adam);
    this.iteration = this.own(gpu.tensor([1], 'iteration'));
    this.losses = this.own(gpu.tensor([3], 'losses'));
    this.images = this.own(uploadImages(gpu, images.pixels));
    this.imageCount = images.count;
    this.staging = Array.from({ length: RING }, (_, i) => gpu.device.createBuffer({ label: `losses staging ${i}`, size: 16, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ }));
    this.inFlight = new Array(RING).fill(null);
  }

  private own(t: Tensor): Tensor {
    this.owned.push(t);
    return t;
  }

  /** Builds the models, initialises them as Keras does and records the iteration. */
  static async create(gpu: Gpu, config: LsganConfig, images: IdxImages): Promise<Lsgan> {
    const m = new Lsgan(gpu, config, images);
    await initializeKeras(gpu, m.d, config.seed, 1000);
    await initializeKeras(gpu, m.g, config.seed, 2000);
    await m.record();
    return m;
  }

  private trace(label: string, training: boolean, grad: boolean, trainable?: (p: Param) => boolean): Trace {
    const t = new Trace(this.gpu, label, { training, grad, trainable });
    this.traces.push(t);
    return t;
  }

  private async record(): Promise<void> {
    const { gpu, config } = this;
    const half = config.batch / 2, seed = config.seed;
    const tensor = (shape: number[], label: string) => this.own(gpu.tensor(shape, label));

    // Inputs of the iteration, drawn on the GPU.
    const index = tensor([half], 'real/index');
    const xReal = tensor([half, ...IMAGE_SHAPE], 'real/images');
    const zFake = tensor([half, config.latent], 'fake/z');
    const zGan = tensor([config.batch, config.latent], 'gan/z');
    const inputs = [
      await adamTick(gpu, this.iteration),
      await randomInt(gpu, index, this.iteration, { seed, stream: STREAM.realIndex, n: this.imageCount }),
      await gatherBatch(gpu, this.images, this.imageCount, index, xReal),
      await randomNormal(gpu, zFake, this.iteration, { seed, stream: STREAM.fakeLatent }),
      await randomNormal(gpu, zGan, this.iteration, { seed, stream: STREAM.ganLatent }),
    ];

    // 1. The discriminator on real images, target 1.
    const dReal = this.trace('d_real', true, true);
    await this.lossPhase(dReal, await this.d.forward(dReal, xReal), 1, 0);
    // 2. The generator in inference mode makes fakes; the discriminator learns them as 0.
    const gPredict = this.trace('g_predict', false, false);
    const xFake = await this.g.forward(gPredict, zFake);
    const dFake = this.trace('d_fake', true, true);
    await this.lossPhase(dFake, await this.d.forward(dFake, xFake), 0, 1);
    // 3. The composite, target 1: gradients flow through the frozen discriminator.
    const ganTrainable = new Set(this.ganOpt.params);
    const gan = this.trace('gan', true, true, (p) => ganTrainable.has(p));
    const fake = await this.g.forward(gan, zGan);
    await this.lossPhase(gan, await this.d.forward(gan, fake), 1, 2);

    this.phases = [
      { name: 'inputs', kernels: inputs },
      { name: 'd_real', kernels: [...dReal.forward, ...dReal.backward, ...(await this.dOpt.kernels())] },
      { name: 'd_fake', kernels: [...gPredict.forward, ...dFake.forward, ...dFake.backward, ...(await this.dOpt.kernels())] },
      { name: 'gan', kernels: [...gan.forward, ...gan.backward, ...(await this.ganOpt.kernels())] },
    ];
    gpu.check();
  }

  private async lossPhase(t: Trace, y: Tensor, target: number, slot: number): Promise<void> {
    const dy = t.tensor(y.shape, 'd(loss)');
    await t.run(mseLoss(t.gpu, y, target, dy, this.losses, slot));
    t.seed(y, dy);
    await t.runBackward();
  }

  /** Called with each iteration's losses, in order, as they come back from the GPU. */
  onLosses(fn: (l: Losses) => void): void {
    this.listeners.push(fn);
  }

  /** Encodes and submits one training iteration. Waits only if the loss ring is full. */
  async trainStep(): Promise<void> {
    const slot = this.step % RING;
    const previous = this.inFlight[slot];
    if (previous !== null) await previous;
    const enc = this.gpu.device.createCommandEncoder({ label: `iteration ${this.step + 1}` });
    for (const phase of this.phases) {
      const pass = enc.beginComputePass({ label: phase.name });
      for (const k of phase.kernels) k.encode(pass);
      pass.end();
    }
    const staging = this.staging[slot];
    enc.copyBufferToBuffer(this.losses.buffer, 0, staging, 0, 12);
    this.gpu.device.queue.submit([enc.finish()]);
    this.step += 1;
    const step = this.step;
    this.inFlight[slot] = staging.mapAsync(GPUMapMode.READ).then(() => {
      const [d1, d2, g] = new Float32Array(staging.getMappedRange(0, 12));
      staging.unmap();
      for (const fn of this.listeners) fn({ step, d1, d2, g });
    });
  }

  /**
   * Runs one training iteration with every kernel timed on the GPU (one pass per kernel), for
   * the profiler panels. The iteration counts like any other: the step advances and its losses
   * reach the listeners; only the extra passes make it slower than trainStep().
   */
  async profiledStep(profiler: KernelProfiler): Promise<KernelTime[]> {
    await this.flush();
    const times = await profiler.time(this.phases.map((p) => ({ group: p.name, kernels: p.kernels })));
    const [d1, d2, g] = await this.gpu.read(this.losses);
    this.step += 1;
    for (const fn of this.listeners) fn({ step: this.step, d1, d2, g });
    return times;
  }

  /** Kernels in one iteration (what a profiler times, each as one). */
  get kernelCount(): number {
    return this.phases.reduce((a, p) => a + p.kernels.length, 0);
  }

  /** Dispatches in one iteration: a split-K kernel records its reduction too. */
  get dispatchCount(): number {
    return this.phases.reduce((a, p) => a + p.kernels.reduce((b, k) => b + k.dispatches, 0), 0);
  }

  /** Waits for every submitted iteration and its losses. */
  async flush(): Promise<void> {
    // Slots complete in submission order, so awaiting all of them delivers losses in order.
    for (let i = 0; i < RING; i++) {
      const slot = (this.step + i) % RING;
      const p = this.inFlight[slot];
      if (p !== null) await p;
      this.inFlight[slot] = null;
    }
    this.gpu.check();
  }

  /** Sets the host and GPU step counters (after loading a checkpoint). */
  setStep(step: number): void {
    this.step = step;
    this.gpu.write(this.iteration, [step]);
  }

  destroy(): void {
    for (const p of this.phases) for (const k of p.kernels) k.destroy();
    for (const t of this.traces) t.destroy();
    for (const t of this.owned) t.buffer.destroy();
    for (const b of this.staging) b.destroy();
    for (const model of [this.g, this.d]) model.destroy();
    for (const opt of [this.dOpt, this.ganOpt]) opt.destroy();
  }
}

export function isBatchNormParam(p: Param): boolean {
  return p.role === 'gamma' || p.role === 'beta';
}
