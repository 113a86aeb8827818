// Training the MNIST judge (judge-model.ts) on the GPU: Keras' model.fit with Adam and
// softmax cross-entropy, the training set reshuffled every epoch, batches of digits gathered
// on the GPU from the resident training set and their labels written with them. One submit
// per batch, recorded once and replayed; the loss is read back only every LOSS_EVERY batches.

import type { Gpu, Tensor } from '../kernels/gpu';
import type { Kernel } from '../kernels/kernel';
import { gatherBatch, uploadImages } from '../kernels/mnist';
import { philoxBlock } from '../kernels/random.cpu';
import { softmaxCrossEntropy, writeLabels } from '../kernels/softmax-xent';
import { Adam } from '../nn/adam';
import type { Sequential } from '../nn/layers';
import { Trace } from '../nn/trace';
import type { IdxImages } from './idx';
import { judgeForward } from './judge-model';
import { IMAGE_SHAPE } from './models';

export interface JudgeTrainConfig {
  epochs: number;
  batch: number;
  seed: number;
  /** Adam's learning rate in the first epochs; the last epoch runs at a tenth of it. */
  lr: number;
}

/** The shipped judge's settings (judge/judge.safetensors' metadata); Keras' default batch is 32, 64 halves the submits per epoch. */
export const JUDGE_DEFAULTS: JudgeTrainConfig = { epochs: 3, batch: 64, seed: 1, lr: 0.001 };

/** Philox stream of the shuffles (epoch e draws step e). */
const SHUFFLE_STREAM = 4000;
const LOSS_EVERY = 25;

/** A permutation of 0..n-1 for an epoch: Fisher-Yates on Philox words keyed by (seed, stream). */
export function shuffled(n: number, seed: number, epoch: number): Uint32Array {
  const p = Uint32Array.from({ length: n }, (_, i) => i);
  let words: number[] = [], block = 0;
  for (let i = n - 1; i > 0; i--) {
    if (words.length === 0) words = philoxBlock(seed, SHUFFLE_STREAM, epoch, block++);
    // j uniform in [0, i] up to a bias of i / 2^32, negligible for 60,000 digits.
    const j = Math.floor((words.pop()! / 2 ** 32) * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export class JudgeTrainer {
  private constructor(
    readonly gpu: Gpu,
    readonly judge: Sequential,
    readonly batch: number,
    readonly opt: Adam,
    private readonly index: Tensor,
    private readonly labels: Tensor,
    private readonly loss: Tensor,
    private readonly kernels: Kernel[],
    private readonly owned: Tensor[],
    private readonly trace: Trace,
  ) {}

  static async create(gpu: Gpu, judge: Sequential, train: IdxImages, batch: number, lr: number): Promise<JudgeTrainer> {
    const images = uploadImages(gpu, train.pixels, 'judge/train/images');
    const index = gpu.tensor([batch], 'judge/train/index');
    const labels = gpu.tensor([batch], 'judge/train/labels');
    const x = gpu.tensor([batch, ...IMAGE_SHAPE], 'judge/train/x');
    const loss = gpu.tensor([1], 'judge/train/loss');
    const trace = new Trace(gpu, 'judge_train', { training: true, grad: true });
    const { logits } = await judgeForward(trace, judge, x);
    const dz = trace.tensor(logits.shape, 'd(loss)');
    await trace.run(softmaxCrossEntropy(gpu, logits, labels, dz, loss, 0));
    trace.seed(logits, dz);
    await trace.runBackward();
    // Keras' Adam defaults for everything but the learning rate.
    const opt = new Adam(gpu, 'judge_optimizer', judge.params, { lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    const kernels = [await gatherBatch(gpu, images, train.count, index, x), ...trace.forward, ...trace.backward, ...(await opt.kernels())];
    gpu.check();
    return new JudgeTrainer(gpu, judge, batch, opt, index, labels, loss, kernels, [images, index, labels, x, loss], trace);
  }

  /** Sets Adam's learning rate for the steps that follow (a uniform of its update kernels). */
  async setLearningRate(lr: number): Promise<void> {
    // The hyperparameters live in each update kernel's uniforms: re-prepare them.
    const old = this.kernels.splice(this.kernels.length - this.opt.params.length - 1);
    for (const k of old) k.destroy();
    this.opt.hyper.lr = lr;
    this.kernels.push(...(await this.opt.kernels()));
  }

  /** One Adam step on the digits at `indices` with their `labels`; submitted, not waited on. */
  step(indices: Uint32Array, labels: ArrayLike<number>): void {
    this.gpu.device.queue.writeBuffer(this.index.buffer, 0, indices.buffer, indices.byteOffset, indices.byteLength);
    writeLabels(this.gpu, this.labels, labels);
    const enc = this.gpu.device.createCommandEncoder({ label: 'judge step' });
    const pass = enc.beginComputePass({ label: 'judge step' });
    for (const k of this.kernels) k.encode(pass);
    pass.end();
    this.gpu.device.queue.submit([enc.finish()]);
  }

  /** The loss of the last step (waits for it). */
  async lastLoss(): Promise<number> {
    return (await this.gpu.read(this.loss))[0];
  }

  /**
   * One epoch over a fresh shuffle of the training set (the last incomplete batch is dropped,
   * as it is with steps_per_epoch = floor(n / batch)). `onLoss` gets the loss every few batches.
   */
  async epoch(labels: Uint8Array, seed: number, epoch: number, onLoss: (batch: number, of: number, loss: number) => void): Promise<void> {
    const order = shuffled(labels.length, seed, epoch), b = this.batch;
    const batches = Math.floor(labels.length / b);
    const lab = new Uint32Array(b);
    for (let i = 0; i < batches; i++) {
      const idx = order.subarray(i * b, (i + 1) * b);
      for (let k = 0; k < b; k++) lab[k] = labels[idx[k]];
      this.step(idx, lab);
      if ((i + 1) % LOSS_EVERY === 0 || i + 1 === batches) {
        const loss = await this.lastLoss();
        if (!Number.isFinite(loss)) throw new Error(`judge training: the loss is ${loss} at batch ${i + 1} of epoch ${epoch + 1}`);
        onLoss(i + 1, batches, loss);
      }
    }
  }

  destroy(): void {
    for (const k of this.kernels) k.destroy();
    this.trace.destroy();
    this.opt.destroy();
    for (const t of this.owned) t.buffer.destroy();
  }
}
