// `lsgan score`: the judge's verdict on generators (files, or folders of model_*.safetensors)
// and on reference sources (--baseline): one JSON line and one line for people per source.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpu } from '../kernels/gpu';
import type { Sequential } from '../nn/layers';
import { generatorMeta, loadGenerator } from '../lsgan/checkpoint';
import { readInputFile } from '../lsgan/file-node';
import { initializeKeras } from '../lsgan/init';
import { shuffled } from '../lsgan/judge-train';
import { printable } from '../lsgan/json-strict';
import { loadLabelledMnist } from '../lsgan/mnist-sets-node';
import { buildGenerator } from '../lsgan/models';
import { CheckpointError } from '../lsgan/safetensors';
import { GeneratorScorer, scaledDigits, SCORE_CHUNK, scoreDigits, scoreLine, uniformNoise, type Score } from '../lsgan/score';
import { FileError } from './files';
import { judgeDir, loadJudgeFiles, missingJudge, type LoadedJudge } from './judge-files';

export const BASELINES = ['train-digits', 'test-digits', 'noise', 'step0'] as const;
export type Baseline = (typeof BASELINES)[number];

export interface ScoreOptions {
  models: string[];
  baselines: Baseline[];
  n: number;
  seed: number;
  judge: string | null;
  data: string | null;
}

/** A folder stands for its model_*.safetensors in name order; a file for itself. */
export function expandModels(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      // Not there: readInputFile says so, naming it.
    }
    if (!dir) { out.push(p); continue; }
    const files = readdirSync(p).filter((f) => /^model_.*\.safetensors$/.test(f)).sort();
    if (files.length === 0) throw new FileError(`${printable(p, 300)}: a directory without model_*.safetensors files`);
    out.push(...files.map((f) => join(p, f)));
  }
  return out;
}

function loadModel(gpu: Gpu, file: string): { g: Sequential; step: number } {
  const bytes = readInputFile(file, { what: 'a checkpoint', error: (m) => new CheckpointError(m), missingHint: ' (--model needs a model_*.safetensors, a run.safetensors or a folder of them)' });
  const { st, latent, step } = generatorMeta(file, bytes);
  const g = buildGenerator(gpu, latent);
  loadGenerator(gpu, file, st, g);
  return { g, step };
}

async function scoreGenerator(gpu: Gpu, j: LoadedJudge, g: Sequential, o: ScoreOptions): Promise<Score> {
  const scorer = await GeneratorScorer.create(gpu, j.judge, g, o.seed);
  try {
    return await scorer.score(o.n, j.stats);
  } finally {
    scorer.destroy();
  }
}

async function scoreBaseline(gpu: Gpu, j: LoadedJudge, b: Baseline, o: ScoreOptions): Promise<Score> {
  if (b === 'noise') return scoreDigits(gpu, j.judge, o.n, j.stats, (c, rows) => uniformNoise(o.seed, c, rows));
  if (b === 'step0') {
    // The tutorial's generator before its first update: Keras' initialisation for this seed.
    const g = buildGenerator(gpu);
    await initializeKeras(gpu, g, o.seed, 2000);
    try {
      return await scoreGenerator(gpu, j, g, o);
    } finally {
      g.destroy();
    }
  }
  const set = loadLabelledMnist(b === 'train-digits' ? 'train' : 't10k', o.data ?? undefined);
  if (o.n > set.images.count) throw new FileError(`--n ${o.n}: ${set.file} holds only ${set.images.count} digits`);
  // A random sample without replacement, fixed by the seed.
  const order = shuffled(set.images.count, o.seed, 0).subarray(0, o.n);
  return scoreDigits(gpu, j.judge, o.n, j.stats, (c, rows) => scaledDigits(set.images.pixels, order.subarray(c * SCORE_CHUNK, c * SCORE_CHUNK + rows)));
}

export function scoreJson(source: string, extra: Record<string, unknown>, s: Score, seed: number, seconds: number, judgeSha: string): string {
  return JSON.stringify({ source, ...extra, n: s.n, seed, fd: s.fd, confidence: s.confidence, classes: s.classes, entropy_bits: s.entropy, seconds: Number(seconds.toFixed(2)), judge_sha256: judgeSha });
}

export async function score(gpu: Gpu, o: ScoreOptions): Promise<number> {
  if (o.models.length === 0 && o.baselines.length === 0) throw new FileError('score needs --model FILE|DIR (repeatable) or --baseline ' + BASELINES.join('|'));
  const models = expandModels(o.models);
  const dir = judgeDir(o.judge);
  if (dir === null) throw missingJudge();
  const j = loadJudgeFiles(gpu, dir);
  console.log(`judge: ${j.file} (${j.info.test_accuracy === undefined ? 'accuracy unknown' : `${(100 * Number(j.info.test_accuracy)).toFixed(2)}% on the MNIST test digits`}); ${o.n} digits per score, seed ${o.seed}`);
  const emit = (source: string, extra: Record<string, unknown>, label: string, s: Score, t0: number) => {
    const secs = (performance.now() - t0) / 1000;
    console.log(scoreJson(source, extra, s, o.seed, secs, j.sha256));
    console.log(`${label}: ${scoreLine(s)} (${secs.toFixed(1)} s)`);
  };
  for (const b of o.baselines) {
    const t0 = performance.now();
    emit(`baseline:${b}`, {}, `baseline ${b}`, await scoreBaseline(gpu, j, b, o), t0);
  }
  for (const file of models) {
    const t0 = performance.now();
    const { g, step } = loadModel(gpu, file);
    try {
      emit(file, { step }, `${printable(file, 300)} (iteration ${step})`, await scoreGenerator(gpu, j, g, o), t0);
    } finally {
      g.destroy();
    }
  }
  return 0;
}
