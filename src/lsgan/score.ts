// Scoring digits with the judge: the Fréchet distance between the judge's penultimate-layer
// features of N digits and those of the 10,000 MNIST test digits (their mean and covariance
// cached in judge/test-stats.safetensors), the judge's mean confidence (its largest softmax
// probability), and the class histogram with its entropy in bits (log2 10 = 3.32 when every
// class is equally frequent). Generated digits come from a generator in inference mode, as
// `generator.predict` (sampler.ts), in batches of 100 drawn for steps 0, 1, ... of the score's
// seed: the first 100 are exactly the grid `lsgan generate --seed S` draws (fewer than 100: one
// batch of n, the first n of those latent points).

import type { Gpu, Tensor } from '../kernels/gpu';
import { philoxBlock } from '../kernels/random.cpu';
import { softmaxRows } from '../kernels/softmax-xent.cpu';
import type { Sequential } from '../nn/layers';
import { entropyBits, featureStats, frechetDistance } from './frechet';
import type { FeatureStats } from './judge-file';
import { JUDGE_CLASSES, JUDGE_FEATURES } from './judge-model';
import { argmaxRows, JudgeReader, type JudgeOutput } from './judge-read';
import { IMAGE_SHAPE } from './models';
import { Sampler } from './sampler';

/** Digits per judge batch: the tutorial's grid. */
export const SCORE_CHUNK = 100;
export const DEFAULT_SCORE_N = 1000;

export interface Score {
  n: number;
  /** Fréchet distance to the test digits' features (lower is better; 0 = the same Gaussian). */
  fd: number;
  /** Mean over digits of the judge's largest softmax probability. */
  confidence: number;
  /** Digits the judge assigns to each class 0-9. */
  classes: number[];
  /** Entropy of `classes` in bits (at most log2 10 = 3.32). */
  entropy: number;
}

/** The score of judge outputs for n digits against the test statistics. */
export function scoreOutputs(out: JudgeOutput, n: number, test: FeatureStats): Score {
  const probs = new Float64Array(n * JUDGE_CLASSES);
  softmaxRows(out.logits, JUDGE_CLASSES, probs);
  const classes = new Array<number>(JUDGE_CLASSES).fill(0);
  let conf = 0;
  for (const c of argmaxRows(out.logits, JUDGE_CLASSES)) classes[c]++;
  for (let r = 0; r < n; r++) {
    let m = 0;
    for (let j = 0; j < JUDGE_CLASSES; j++) m = Math.max(m, probs[r * JUDGE_CLASSES + j]);
    conf += m;
  }
  const fd = frechetDistance(featureStats(out.features, n, JUDGE_FEATURES), test);
  return { n, fd, confidence: conf / n, classes, entropy: entropyBits(classes) };
}

/** Runs the judge chunk by chunk: `fill(c, rows)` puts chunk c's digits into the reader's input. */
async function judgeChunks(reader: JudgeReader, n: number, fill: (chunk: number, rows: number) => Promise<void>): Promise<JudgeOutput> {
  const out: JudgeOutput = { features: new Float32Array(n * JUDGE_FEATURES), logits: new Float32Array(n * JUDGE_CLASSES) };
  for (let c = 0; c * reader.batch < n; c++) {
    const at = c * reader.batch, rows = Math.min(reader.batch, n - at);
    await fill(c, rows);
    const r = await reader.read(rows);
    out.features.set(r.features, at * JUDGE_FEATURES);
    out.logits.set(r.logits, at * JUDGE_CLASSES);
  }
  return out;
}

function checkN(n: number): void {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`a score needs at least 2 digits (got ${n})`);
}

/**
 * Scores a generator: prepared once for a generator and a seed, then `score(n)` as often as
 * wanted (during training, the same latent points every time, so the scores are comparable).
 * Fewer than 100 digits are drawn as one batch of n: the same latent points as the first n of
 * a batch of 100 (Philox counts by element), so `--n 10` scores the first 10 of `--n 100`.
 */
export class GeneratorScorer {
  private readonly passes = new Map<number, { sampler: Sampler; reader: JudgeReader }>();
  private constructor(private readonly gpu: Gpu, private readonly judge: Sequential, private readonly g: Sequential, readonly seed: number) {}

  static async create(gpu: Gpu, judge: Sequential, g: Sequential, seed: number): Promise<GeneratorScorer> {
    return new GeneratorScorer(gpu, judge, g, seed);
  }

  async score(n: number, test: FeatureStats): Promise<Score> {
    checkN(n);
    const chunk = Math.min(SCORE_CHUNK, n);
    let p = this.passes.get(chunk);
    if (p === undefined) {
      const sampler = await Sampler.create(this.gpu, this.g, chunk, this.seed);
      p = { sampler, reader: await JudgeReader.create(this.gpu, this.judge, sampler.out) };
      this.passes.set(chunk, p);
    }
    const { sampler, reader } = p;
    const out = await judgeChunks(reader, n, async (c) => { await sampler.fresh(c); });
    return scoreOutputs(out, n, test);
  }

  destroy(): void {
    for (const p of this.passes.values()) {
      p.reader.destroy();
      p.sampler.destroy();
    }
    this.passes.clear();
  }
}

/** Scores digits the host provides (real digits, noise): `digits(c, rows)` gives chunk c as [rows, 28, 28, 1] in [-1, 1]. */
export async function scoreDigits(gpu: Gpu, judge: Sequential, n: number, test: FeatureStats, digits: (chunk: number, rows: number) => Float32Array): Promise<Score> {
  checkN(n);
  const x: Tensor = gpu.tensor([SCORE_CHUNK, ...IMAGE_SHAPE], 'score/digits');
  const reader = await JudgeReader.create(gpu, judge, x);
  const pixels = IMAGE_SHAPE[0] * IMAGE_SHAPE[1];
  try {
    const out = await judgeChunks(reader, n, async (c, rows) => {
      const full = new Float32Array(SCORE_CHUNK * pixels);
      full.set(digits(c, rows).subarray(0, rows * pixels));
      gpu.write(x, full);
    });
    return scoreOutputs(out, n, test);
  } finally {
    reader.destroy();
    x.buffer.destroy();
  }
}

/** Uniform noise in [-1, 1] for chunk c, from Philox keyed by (seed, stream 5000). */
export function uniformNoise(seed: number, chunk: number, rows: number): Float32Array {
  const pixels = IMAGE_SHAPE[0] * IMAGE_SHAPE[1], out = new Float32Array(rows * pixels);
  for (let b = 0; b * 4 < out.length; b++) {
    const w = philoxBlock(seed, 5000, chunk, b);
    for (let k = 0; k < 4 && 4 * b + k < out.length; k++) out[4 * b + k] = (w[k] / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Digits of an IDX set scaled as the LSGAN sees them, (x - 127.5) / 127.5, at the given indices. */
export function scaledDigits(pixels: Uint8Array, indices: ArrayLike<number>): Float32Array {
  const size = IMAGE_SHAPE[0] * IMAGE_SHAPE[1], out = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    const at = indices[i] * size;
    for (let p = 0; p < size; p++) out[i * size + p] = (pixels[at + p] - 127.5) / 127.5;
  }
  return out;
}

/** One line for people: "FD 12.3, confidence 0.91, classes 0:98 1:110 ..., entropy 3.30 bits of 3.32". */
export function scoreLine(s: Score): string {
  return `Fréchet distance ${s.fd.toFixed(2)} over ${s.n} digits, confidence ${s.confidence.toFixed(3)}, classes ${s.classes.map((c, i) => `${i}:${c}`).join(' ')}, entropy ${s.entropy.toFixed(2)} of ${Math.log2(JUDGE_CLASSES).toFixed(2)} bits`;
}
