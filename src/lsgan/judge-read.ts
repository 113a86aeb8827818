// Running the judge in inference mode on batches of digits: its features and logits read back
// to the host (the statistics and the Fréchet distance are computed there, in f64). The input
// is any [B, 28, 28, 1] tensor: a sampler's output (generated digits, no copy) or one filled
// with real digits by gatherBatch.

import type { Gpu, Tensor } from '../kernels/gpu';
import { runKernels } from '../kernels/kernel';
import { gatherBatch, uploadImages } from '../kernels/mnist';
import type { Sequential } from '../nn/layers';
import { Trace } from '../nn/trace';
import type { IdxImages } from './idx';
import { JUDGE_CLASSES, JUDGE_FEATURES, judgeForward } from './judge-model';
import { IMAGE_SHAPE } from './models';

export interface JudgeOutput {
  /** [rows, 128] */
  features: Float32Array;
  /** [rows, 10] */
  logits: Float32Array;
}

export class JudgeReader {
  private constructor(
    readonly gpu: Gpu,
    readonly input: Tensor,
    private readonly trace: Trace,
    private readonly features: Tensor,
    private readonly logits: Tensor,
  ) {}

  /** The judge's forward pass on `input` [B, 28, 28, 1], prepared once. */
  static async create(gpu: Gpu, judge: Sequential, input: Tensor): Promise<JudgeReader> {
    const trace = new Trace(gpu, `judge${input.shape[0]}`, { training: false, grad: false });
    const { features, logits } = await judgeForward(trace, judge, input);
    return new JudgeReader(gpu, input, trace, features, logits);
  }

  get batch(): number {
    return this.input.shape[0];
  }

  /** Runs the judge on what `input` holds now; returns the first `rows` rows. */
  async read(rows = this.batch): Promise<JudgeOutput> {
    runKernels(this.gpu, this.trace.forward, 'judge');
    const f = await this.gpu.read(this.features), l = await this.gpu.read(this.logits);
    return { features: f.subarray(0, rows * JUDGE_FEATURES), logits: l.subarray(0, rows * JUDGE_CLASSES) };
  }

  destroy(): void {
    this.trace.destroy();
  }
}

/**
 * The judge on digits of an IDX set: the first `count` (all by default) or those at `indices`,
 * in batches of `batch`. Returns features [n, 128] and logits [n, 10] in the order asked.
 */
export async function judgeDigits(gpu: Gpu, judge: Sequential, images: IdxImages, opts: { count?: number; indices?: ArrayLike<number>; batch?: number } = {}): Promise<JudgeOutput> {
  const order = opts.indices ?? Array.from({ length: opts.count ?? images.count }, (_, i) => i);
  const n = order.length, batch = Math.min(opts.batch ?? 500, n);
  const pixels = uploadImages(gpu, images.pixels, 'judge/digits');
  const index = gpu.tensor([batch], 'judge/digits/index');
  const x = gpu.tensor([batch, ...IMAGE_SHAPE], 'judge/digits/x');
  const gather = await gatherBatch(gpu, pixels, images.count, index, x);
  const reader = await JudgeReader.create(gpu, judge, x);
  const out: JudgeOutput = { features: new Float32Array(n * JUDGE_FEATURES), logits: new Float32Array(n * JUDGE_CLASSES) };
  try {
    for (let at = 0; at < n; at += batch) {
      const rows = Math.min(batch, n - at);
      // A short last batch repeats its last digit; only its first `rows` rows are kept.
      const idx = Uint32Array.from({ length: batch }, (_, i) => order[at + Math.min(i, rows - 1)]);
      gpu.device.queue.writeBuffer(index.buffer, 0, idx);
      runKernels(gpu, [gather], 'gather digits');
      const r = await reader.read(rows);
      out.features.set(r.features, at * JUDGE_FEATURES);
      out.logits.set(r.logits, at * JUDGE_CLASSES);
    }
  } finally {
    reader.destroy();
    gather.destroy();
    for (const t of [pixels, index, x]) t.buffer.destroy();
  }
  return out;
}

/** Index of the largest of each row's K values. */
export function argmaxRows(z: ArrayLike<number>, k: number): Uint8Array {
  const out = new Uint8Array(z.length / k);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (z[r * k + j] > z[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** Fraction of rows whose largest logit is at the label. */
export function accuracy(logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  const pred = argmaxRows(logits, JUDGE_CLASSES);
  let right = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) right++;
  return right / pred.length;
}
