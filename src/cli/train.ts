// `lsgan train`: the tutorial's training run from a terminal, resumable.

import { SingleBar } from 'cli-progress';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpu } from '../kernels/gpu';
import { loadRun, readRun, saveGenerator, saveRun } from '../lsgan/checkpoint';
import { imageGrid } from '../lsgan/grid';
import { lossPlotSvg } from '../lsgan/loss-plot';
import { REAL_DIGITS_FD_1000, scorePlotSvg } from '../lsgan/score-plot';
import { formatDuration } from '../lsgan/format';
import { batchesPerEpoch, Lsgan, TUTORIAL, type Losses, type LsganConfig } from '../lsgan/lsgan';
import { readInputFile } from '../lsgan/file-node';
import { loadMnistImages } from '../lsgan/mnist-node';
import { CheckpointError } from '../lsgan/safetensors';
import { Sampler } from '../lsgan/sampler';
import { cleanStaleTemps, FileError } from './files';
import { grayPng, svgToPng, writeAtomic } from './png';
import { keptScores, TrainingScores, type ScoringOptions } from './train-scoring';

export interface TrainOptions {
  epochs: number;
  config: LsganConfig;
  /** Flags the user set explicitly (a resumed run keeps its own config; conflicts are errors). */
  explicit: Set<string>;
  out: string;
  steps: number | null;
  resume: string | null;
  data: string | null;
  verbose: boolean;
  /** Scores during training (train-scoring.ts). */
  scoring?: ScoringOptions;
}

/** GFLOP of one iteration at batch 64 (SPEC.md); it scales with the batch. */
const GFLOP_PER_ITERATION_64 = 29.8;

const pad6 = (n: number) => String(n).padStart(6, '0');

export function tutorialLine(l: Losses): string {
  return `>${l.step}, d1=${l.d1.toFixed(3)}, d2=${l.d2.toFixed(3)} g=${l.g.toFixed(3)}`;
}

export function lossesCsv(history: readonly Losses[]): string {
  return 'step,dloss1,dloss2,gloss\n' + history.map((l) => `${l.step},${l.d1},${l.d2},${l.g}`).join('\n') + '\n';
}

export async function train(gpu: Gpu, o: TrainOptions): Promise<number> {
  if (o.out === '') throw new FileError('--out "": expected a directory name');
  const images = loadMnistImages(o.data ?? undefined);
  let config = o.config;
  let run = null;
  if (o.resume !== null) {
    run = readRun(o.resume, readInputFile(o.resume, { what: 'a checkpoint', error: (m) => new CheckpointError(m), missingHint: ' (--resume needs the run.safetensors of an earlier run)' }));
    for (const k of ['batch', 'latent', 'lr', 'beta1', 'seed'] as const) {
      if (o.explicit.has(k) && o.config[k] !== run.config[k]) {
        throw new Error(`--${k} ${o.config[k]} conflicts with the resumed run's ${k} = ${run.config[k]} (${o.resume}); drop the flag to continue that run`);
      }
    }
    config = run.config;
  }
  try {
    mkdirSync(o.out, { recursive: true });
  } catch (e) {
    throw new FileError(`--out ${o.out}: cannot make the directory (${(e as Error).message.split('\n')[0]})`);
  }
  // A run killed outright (SIGKILL, power loss) cannot remove its temporary files.
  for (const line of cleanStaleTemps(o.out)) console.log(line);
  const perEpoch = batchesPerEpoch(images.count, config.batch);
  const total = perEpoch * o.epochs;
  const stop = Math.min(total, o.steps ?? total);

  console.log(`data: ${images.file} (${images.count} images of ${images.rows}x${images.cols})`);
  console.log(`config: batch ${config.batch}, latent ${config.latent}, Adam(lr ${config.lr}, beta_1 ${config.beta1}), seed ${config.seed}; ${perEpoch} iterations per epoch, ${o.epochs} epochs = ${total} iterations${stop < total ? `, stopping at ${stop} (--steps)` : ''}`);

  checkBufferSizes(gpu, config);
  const m = await Lsgan.create(gpu, config, images);
  let history: Losses[] = [];
  if (run !== null) {
    history = loadRun(o.resume!, run, m);
    console.log(`resumed ${o.resume} at iteration ${m.step}`);
  }
  const sampler = await Sampler.create(gpu, m.g, 100, config.seed);
  const summarize = async (step: number) => {
    const pixels = await sampler.fresh(step);
    writeAtomic(join(o.out, `generated_plot_${pad6(step)}.png`), grayPng(imageGrid(pixels, 100, 28, 28, { cols: 10 })));
  };
  const scores = await TrainingScores.create(gpu, m.g, o.scoring ?? { every: null, n: null, judge: null }, { perEpoch, batch: config.batch, out: o.out, resumed: run === null ? null : { file: o.resume!, run } });
  const checkpoint = async () => {
    writeAtomic(join(o.out, 'run.safetensors'), await saveRun(m, history, scores?.metadata() ?? keptScores(run)));
    writeAtomic(join(o.out, 'losses.csv'), lossesCsv(history));
    scores?.writeCsv();
  };
  const generatorBytes = (extra?: Record<string, string>) => saveGenerator(gpu, m.g, { ...config, step: m.step }, extra);
  const saveModel = async () => writeAtomic(join(o.out, `model_${pad6(m.step)}.safetensors`), await generatorBytes());
  // A score is checkpointed at once, so run.safetensors always knows the best score's step.
  const scoreNow = async () => {
    if (scores !== null) await scores.score(m.step, generatorBytes);
  };
  if (scores !== null && run !== null) await scores.checkBest(m.step, generatorBytes);
  if (m.step === 0) await summarize(0);

  let failure: string | null = null;
  let interrupted = false;
  let exitCode = 130;
  m.onLosses((l) => {
    if (failure !== null) return;
    if (![l.d1, l.d2, l.g].every(Number.isFinite)) {
      failure = `iteration ${l.step}: a loss is not finite (${tutorialLine(l)}); the run stops here without writing a checkpoint, so ${join(o.out, 'run.safetensors')} keeps the state of the last epoch end this run reached (if any)`;
      return;
    }
    history.push(l);
    if (o.verbose) console.log(tutorialLine(l));
  });
  // Ctrl-C and SIGTERM (a `kill`, a scheduler's stop) both finish the iteration in flight and
  // write a checkpoint; a second one exits at once. Exit codes 128 + the signal number.
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGTERM' ? 143 : 130;
    if (interrupted) process.exit(code);
    interrupted = true;
    exitCode = code;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const bar = o.verbose ? null : new SingleBar({
    format: 'iter {value}/{total} |{bar}| epoch {epoch} | {rate} it/s | ETA {remaining} | d1={d1} d2={d2} g={g}',
    hideCursor: true, etaBuffer: 50, fps: 5, noTTYOutput: true, notTTYSchedule: 10_000,
  });
  const t0 = performance.now();
  const start = m.step;
  // The line's fields. Submission runs a few iterations ahead of the GPU: count the ones whose
  // losses are back. The ETA is our own, from the whole run's rate ('remaining': cli-progress
  // owns the name 'eta' and fills it from its own buffer, which restarts with the bar).
  const progress = () => {
    const last = history[history.length - 1];
    const done = last?.step ?? start;
    const rate = (done - start) / ((performance.now() - t0) / 1000);
    const payload = {
      epoch: Math.floor(Math.max(0, done - 1) / perEpoch) + 1, rate: rate > 0 ? rate.toFixed(2) : '-',
      remaining: rate > 0 ? formatDuration((stop - done) / rate) : '-',
      d1: last?.d1.toFixed(3) ?? '-', d2: last?.d2.toFixed(3) ?? '-', g: last?.g.toFixed(3) ?? '-',
    };
    return { done, payload };
  };
  // The first iteration also compiles every kernel (lavapipe compiles a pipeline at its first
  // dispatch; a cold Mesa cache takes a minute or two, a warm one seconds), so it is timed and
  // said apart, and the projection comes from the three after it.
  let projected = false;
  let tMeasure = 0;
  let measureFrom = -1;
  bar?.start(stop, m.step, progress().payload);
  while (m.step < stop && failure === null && !interrupted) {
    const first = m.step === start;
    if (first) {
      bar?.stop();
      console.log(`first iteration${gpu.adapter.isCpu ? ' (it compiles the kernels: up to a couple of minutes on a fresh machine, seconds once Mesa has cached them)' : ''}...`);
    }
    const f0 = performance.now();
    await m.trainStep();
    if (first) {
      await m.flush();
      console.log(`first iteration done in ${formatDuration((performance.now() - f0) / 1000)}`);
      bar?.start(stop, m.step, progress().payload);
      tMeasure = performance.now();
      measureFrom = m.step;
    } else if (!projected && m.step - measureFrom === 3) {
      await m.flush();
      const s = (performance.now() - tMeasure) / 1000 / 3;
      const gflop = GFLOP_PER_ITERATION_64 * config.batch / 64;
      const msg = `measured ${(s * 1000).toFixed(1)} ms per iteration on ${gpu.adapter.name} (${(gflop / s).toFixed(1)} GFLOP/s); the remaining ${stop - m.step} iterations will take about ${formatDuration(s * (stop - m.step))}`;
      if (bar) bar.stop();
      console.log(msg);
      bar?.start(stop, progress().done, progress().payload);
      projected = true;
    }
    const p = progress();
    bar?.update(p.done, p.payload);
    if (m.step % perEpoch === 0) {
      await m.flush();
      if (failure !== null) break;
      await summarize(m.step);
      await saveModel();
      if (scores?.due(m.step, perEpoch)) await scoreNow();
      await checkpoint();
    } else if (scores?.due(m.step, perEpoch)) {
      await m.flush();
      if (failure !== null) break;
      await scoreNow();
      await checkpoint();
    }
  }
  await m.flush();
  bar?.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (failure !== null) {
    console.error(`error: ${failure}`);
    return 1;
  }
  // A run stopped between epochs (--steps, Ctrl-C) still shows and keeps where it got to.
  if (m.step % perEpoch !== 0 && m.step > start) {
    await summarize(m.step);
    await saveModel();
    // Where a run stops by --steps, its last generator is scored too (not after Ctrl-C: that exits promptly).
    if (!interrupted && scores !== null && scores.history.rows.at(-1)?.step !== m.step) await scoreNow();
  }
  await checkpoint();
  if (scores !== null && scores.history.rows.length > 0) {
    // The floor: real training digits score about this at N = 1,000 (README, "Scoring digits").
    const svg = await scorePlotSvg(scores.history.rows, scores.history.n === 1000 ? REAL_DIGITS_FD_1000 : null);
    const png = await svgToPng(svg);
    writeAtomic(join(o.out, png === null ? 'plot_scores.svg' : 'plot_scores.png'), png ?? svg);
  }
  if (history.length > 0) {
    const svg = await lossPlotSvg(history);
    const png = await svgToPng(svg);
    if (png !== null) writeAtomic(join(o.out, 'plot_line_plot_loss.png'), png);
    else {
      writeAtomic(join(o.out, 'plot_line_plot_loss.svg'), svg);
      console.warn('warning: @resvg/resvg-js is not installed here, so the loss plot is written as plot_line_plot_loss.svg');
    }
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`${interrupted ? 'interrupted' : 'done'} at iteration ${m.step}: ${m.step - start} iterations in ${formatDuration(secs)}; wrote ${o.out}/ (run.safetensors resumes with --resume)`);
  sampler.destroy();
  scores?.destroy();
  m.destroy();
  return interrupted ? exitCode : 0;
}

export const TRAIN_DEFAULTS = TUTORIAL;

/**
 * The run's largest tensors, the generator's first kernel [latent, 12544] and its widest
 * activation [batch, 28, 28, 64], against the device's buffer limits: refused here in one line,
 * rather than by WebGPU in many lines of its own (which Dawn also prints).
 */
function checkBufferSizes(gpu: Gpu, config: LsganConfig): void {
  const limit = Math.min(gpu.device.limits.maxBufferSize, gpu.device.limits.maxStorageBufferBindingSize);
  for (const [flag, value, what, bytes] of [
    ['latent', config.latent, "the generator's first kernel", config.latent * 256 * 7 * 7 * 4],
    ['batch', config.batch, "the generator's last hidden activation", config.batch * 28 * 28 * 64 * 4],
  ] as const) {
    if (bytes > limit) throw new Error(`--${flag} ${value}: ${what} would take ${bytes} bytes, more than the ${limit}-byte buffer limit of ${gpu.adapter.name}`);
  }
}
