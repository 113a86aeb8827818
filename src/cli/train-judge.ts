// `lsgan train-judge`: trains the MNIST judge (src/lsgan/judge-model.ts) on the 60,000
// training digits, measures it on the 10,000 test digits after every epoch, and writes
// OUT/judge.safetensors (with the command, seed and accuracy in its metadata) and
// OUT/test-stats.safetensors (the test digits' feature statistics the score compares with).
// --stats-only recomputes the statistics of an existing OUT/judge.safetensors.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpu } from '../kernels/gpu';
import { formatDuration } from '../lsgan/format';
import { readInputFile } from '../lsgan/file-node';
import { featureStats } from '../lsgan/frechet';
import { encodeStats, loadJudge, saveJudge } from '../lsgan/judge-file';
import { buildJudge, initializeJudge, JUDGE_CLASSES, JUDGE_FEATURES } from '../lsgan/judge-model';
import { accuracy, judgeDigits, type JudgeOutput } from '../lsgan/judge-read';
import { JudgeTrainer, type JudgeTrainConfig } from '../lsgan/judge-train';
import { loadLabelledMnist } from '../lsgan/mnist-sets-node';
import { CheckpointError } from '../lsgan/safetensors';
import { FileError, writeAtomic } from './files';
import { JUDGE_FILE, STATS_FILE } from './shipped';

export interface TrainJudgeOptions extends JudgeTrainConfig {
  out: string;
  data: string | null;
  statsOnly: boolean;
  /** The command line as typed, kept in the judge's metadata. */
  command: string;
  verbose: boolean;
}

export async function trainJudge(gpu: Gpu, o: TrainJudgeOptions): Promise<number> {
  if (o.out === '') throw new FileError('--out "": expected a directory name');
  const test = loadLabelledMnist('t10k', o.data ?? undefined);
  const judge = buildJudge(gpu);
  const file = join(o.out, JUDGE_FILE);
  let bytes: Uint8Array;
  let features: Float32Array;
  const t0 = performance.now();
  if (o.statsOnly) {
    bytes = readInputFile(file, { what: 'a judge file', error: (m) => new CheckpointError(m), missingHint: ' (--stats-only needs a judge made by lsgan train-judge)' });
    const info = loadJudge(gpu, file, bytes, judge);
    const r = await judgeDigits(gpu, judge, test.images);
    features = r.features;
    console.log(`${file}: ${(100 * accuracy(r.logits, test.labels)).toFixed(2)}% on the ${test.images.count} test digits (its metadata says ${info.test_accuracy ?? '?'})`);
  } else {
    const train = loadLabelledMnist('train', o.data ?? undefined);
    try {
      mkdirSync(o.out, { recursive: true });
    } catch (e) {
      throw new FileError(`--out ${o.out}: cannot make the directory (${(e as Error).message.split('\n')[0]})`);
    }
    console.log(`judge: ${train.images.count} training digits, ${o.epochs} epochs at batch ${o.batch}, Adam(lr ${o.lr}${o.epochs > 1 ? `, the last epoch ${o.lr / 10}` : ""}), seed ${o.seed}`);
    await initializeJudge(gpu, judge, o.seed);
    const trainer = await JudgeTrainer.create(gpu, judge, train.images, o.batch, o.lr);
    let acc = 0, last: JudgeOutput = { features: new Float32Array(0), logits: new Float32Array(0) };
    try {
      for (let e = 0; e < o.epochs; e++) {
        // A tenth of the rate for the last epoch (a common step decay), so it settles rather than wanders.
        if (e === o.epochs - 1 && o.epochs > 1) await trainer.setLearningRate(o.lr / 10);
        const te = performance.now();
        await trainer.epoch(train.labels, o.seed, e, (b, of, loss) => {
          if (o.verbose || b === of) console.log(`epoch ${e + 1}/${o.epochs}, batch ${b}/${of}: loss ${loss.toFixed(4)}`);
        });
        const secs = (performance.now() - te) / 1000;
        last = await judgeDigits(gpu, judge, test.images);
        acc = accuracy(last.logits, test.labels);
        console.log(`epoch ${e + 1}: ${formatDuration(secs)}, test accuracy ${(100 * acc).toFixed(2)}% (${test.images.count} digits)`);
      }
    } finally {
      trainer.destroy();
    }
    features = last.features;
    const seconds = (performance.now() - t0) / 1000;
    bytes = await saveJudge(gpu, judge, {
      command: o.command, seed: String(o.seed), epochs: String(o.epochs), batch: String(o.batch), lr: String(o.lr),
      test_accuracy: acc.toFixed(4), test_digits: String(test.images.count),
      // What the shipped file's test (tests/judge.node.test.ts) checks it against.
      test_accuracy_first_1000: accuracy(last.logits.subarray(0, 1000 * JUDGE_CLASSES), test.labels.subarray(0, 1000)).toFixed(3),
      train_seconds: seconds.toFixed(0), adapter: gpu.adapter.name, kernels: gpu.kernels,
    });
    writeAtomic(file, bytes);
    console.log(`wrote ${file}: ${(100 * acc).toFixed(2)}% on the test digits after ${formatDuration(seconds)}`);
  }
  const stats = featureStats(features, test.images.count, JUDGE_FEATURES);
  const statsFile = join(o.out, STATS_FILE);
  writeAtomic(statsFile, encodeStats(stats, bytes, `mean and covariance of the judge's ${JUDGE_FEATURES} features over the ${test.images.count} MNIST test digits (t10k-images-idx3-ubyte)`));
  console.log(`wrote ${statsFile}: feature statistics of the ${test.images.count} test digits`);
  return 0;
}
