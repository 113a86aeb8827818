// The worker that owns the WebGPU device: it loads MNIST, trains the LSGAN with the same
// library as the CLI, and answers the page's requests (protocol.ts) one at a time, between
// iterations, so the page's thread never waits on the GPU.

import { createGpu, type Gpu } from '../src/kernels/gpu';
import { KernelProfiler } from '../src/kernels/profiler';
import { generatorMeta, loadGenerator, loadRun, readRun, RUN_FORMAT, saveGenerator, saveRun } from '../src/lsgan/checkpoint';
import type { IdxImages } from '../src/lsgan/idx';
import { Lsgan, type Losses } from '../src/lsgan/lsgan';
import { CheckpointError, decodeSafetensors } from '../src/lsgan/safetensors';
import { interpolateLatent, Sampler } from '../src/lsgan/sampler';
import { GeneratorScorer } from '../src/lsgan/score';
import { fetchJudge, type FetchedJudge } from './judge-fetch';
import { fetchMnist, realSample } from './mnist-fetch';
import type { AdapterReport, DemoConfig, Reply, Request } from './protocol';

/** How long losses gather before they are sent to the page. */
const LOSS_POST_MS = 100;

interface Run {
  m: Lsgan;
  live: Sampler;
  profiler: KernelProfiler | null;
  history: Losses[];
  /** The judge's view of this run's generator, made on the first Score request. */
  scorer: GeneratorScorer | null;
}

const queue: Request[] = [];
let wake: (() => void) | null = null;
let gpu: Gpu | null = null;
let images: IdxImages | null = null;
let config: DemoConfig | null = null;
let run: Run | null = null;
let running = false;
let pendingLosses: Losses[] = [];
let judge: FetchedJudge | null = null;
let lastLossPost = 0;

function post(reply: Reply, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(reply, transfer);
}

self.onmessage = (ev: MessageEvent<Request>) => {
  queue.push(ev.data);
  wake?.();
};

function postLosses(force: boolean): void {
  if (pendingLosses.length === 0) return;
  if (!force && performance.now() - lastLossPost < LOSS_POST_MS) return;
  post({ type: 'losses', losses: pendingLosses });
  pendingLosses = [];
  lastLossPost = performance.now();
}

async function init(r: Extract<Request, { type: 'init' }>): Promise<void> {
  config = r.config;
  if (typeof navigator === 'undefined' || navigator.gpu === undefined) {
    post({ type: 'fatal', stage: 'webgpu', message: 'WebGPU is not available in a worker of this browser (navigator.gpu is missing there).' });
    return;
  }
  try {
    gpu = await createGpu(navigator.gpu, 'browser worker', { kernels: r.kernels });
  } catch (e) {
    post({ type: 'fatal', stage: 'webgpu', message: (e as Error).message });
    return;
  }
  post({ type: 'adapter', adapter: adapterReport(gpu) });
  try {
    images = await fetchMnist(r.mnistUrl, (loaded, total) => post({ type: 'mnist-progress', loaded, total }));
  } catch (e) {
    post({ type: 'fatal', stage: 'mnist', message: (e as Error).message });
    return;
  }
  const sample = realSample(images, 100, 1);
  post({ type: 'mnist-ready', count: images.count, sample }, [sample.buffer]);
  await replaceRun(r.config, null);
}

function adapterReport(g: Gpu): AdapterReport {
  const l = g.device.limits;
  const keys = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension'] as const;
  return {
    name: g.adapter.name,
    kernels: g.kernelsLine,
    vendor: g.adapter.vendor,
    architecture: g.adapter.architecture,
    isCpu: g.adapter.isCpu,
    features: [...g.device.features].sort(),
    limits: Object.fromEntries(keys.map((k) => [k, l[k]])),
    hasTimestamps: g.hasTimestamps,
  };
}

/** Builds a fresh run (or one loaded from a run file) and only then drops the old one. */
async function replaceRun(c: DemoConfig, load: { name: string; bytes: Uint8Array } | null): Promise<void> {
  if (gpu === null || images === null) return;
  let history: Losses[] = [];
  const file = load === null ? null : readRun(load.name, load.bytes);
  const next = file === null ? c : { ...c, ...file.config };
  const m = await Lsgan.create(gpu, lsganConfig(next), images);
  try {
    if (load !== null && file !== null) history = loadRun(load.name, file, m);
  } catch (e) {
    m.destroy();
    throw e;
  }
  if (run !== null) {
    await run.m.flush();
    dropRun(run);
  }
  m.onLosses((l) => {
    run?.history.push(l);
    pendingLosses.push(l);
  });
  run = { m, live: await Sampler.create(gpu, m.g, c.digits, next.seed), profiler: null, history, scorer: null };
  config = { ...next, refresh: c.refresh, digits: c.digits };
  pendingLosses = [];
  post({ type: 'ready', config, step: m.step, history });
  await postGrid();
}

function dropRun(r: Run): void {
  r.live.destroy();
  r.profiler?.destroy();
  r.scorer?.destroy();
  r.m.destroy();
}

/** The live grid from the same fixed latent points every time (draw 0 of the seed's sample stream). */
async function postGrid(): Promise<void> {
  if (run === null) return;
  const images = await run.live.fresh(0);
  post({ type: 'grid', step: run.m.step, n: run.live.n, images }, [images.buffer]);
}

async function trainOne(): Promise<void> {
  if (run === null || config === null) return;
  await run.m.trainStep();
  const step = run.m.step;
  if (step % config.refresh === 0) {
    await run.m.flush();
    await postGrid();
  }
  postLosses(false);
  const last = run.history[run.history.length - 1];
  if (last !== undefined && !(Number.isFinite(last.d1) && Number.isFinite(last.d2) && Number.isFinite(last.g))) {
    running = false;
    post({ type: 'state', running });
    post({ type: 'error', message: `iteration ${last.step}: a loss is not finite (d1=${last.d1}, d2=${last.d2}, g=${last.g}); training paused. Reset, or load a checkpoint.` });
  }
}

async function profile(): Promise<void> {
  if (run === null || gpu === null) return;
  if (!gpu.hasTimestamps) {
    post({ type: 'profile', step: run.m.step, rows: null, note: `${gpu.adapter.name} does not offer the 'timestamp-query' feature, so GPU times per kernel cannot be measured here. In Chrome, enable chrome://flags/#enable-webgpu-developer-features.` });
    return;
  }
  run.profiler ??= new KernelProfiler(gpu, run.m.kernelCount);
  const times = await run.m.profiledStep(run.profiler);
  postLosses(true);
  const rows = times.map((t) => ({ phase: t.group, kernel: t.kernel.name, ms: t.ms, flops: t.kernel.flops, bytes: t.kernel.bytes }));
  // Chromium rounds timestamps to 100 us unless WebGPU developer features are on: say so when every time is a multiple of it.
  const quantised = rows.every((r) => Math.abs(r.ms * 10 - Math.round(r.ms * 10)) < 1e-6);
  const note = `GPU timestamps, one compute pass per kernel, iteration ${run.m.step}.${quantised ? ' The browser rounds them to 100 µs: enable chrome://flags/#enable-webgpu-developer-features for full resolution.' : ''}`;
  post({ type: 'profile', step: run.m.step, rows, note });
}

async function generate(seed: number, interpolate: boolean): Promise<void> {
  if (run === null || gpu === null) return;
  await run.m.flush();
  const g = run.m.g, latent = g.inputShape[0];
  // As `lsgan generate --n N --seed S [--interpolate]`, so the two give the same pixels.
  const rows = Math.ceil(run.live.n / 10), n = interpolate ? 10 * rows : run.live.n;
  const sampler = await Sampler.create(gpu, g, n, seed);
  let images: Float32Array;
  if (interpolate) {
    // Each row walks a straight line between two latent points drawn from the seed.
    const ends = await Sampler.create(gpu, g, 2 * rows, seed);
    await ends.fresh(0);
    images = await sampler.fromLatent(interpolateLatent(await ends.latentPoints(), latent, rows, 10));
    ends.destroy();
  } else {
    images = await sampler.fresh(0);
  }
  sampler.destroy();
  post({ type: 'generated', seed, interpolate, step: run.m.step, n, images }, [images.buffer]);
}

async function download(what: 'generator' | 'run'): Promise<void> {
  if (run === null || gpu === null || config === null) return;
  await run.m.flush();
  postLosses(true);
  const { m } = run;
  const bytes = what === 'run' ? await saveRun(m, run.history) : await saveGenerator(gpu, m.g, { ...lsganConfig(config), step: m.step });
  const name = what === 'run' ? 'run.safetensors' : `model_${String(m.step).padStart(6, '0')}.safetensors`;
  post({ type: 'file', name, bytes }, [bytes.buffer]);
}

function lsganConfig(c: DemoConfig) {
  return { batch: c.batch, latent: c.latent, lr: c.lr, beta1: c.beta1, seed: c.seed };
}

async function upload(name: string, buffer: ArrayBuffer): Promise<void> {
  if (run === null || gpu === null || config === null) return;
  const bytes = new Uint8Array(buffer);
  const format = decodeSafetensors(name, bytes).metadata.format;
  if (format === RUN_FORMAT) {
    await replaceRun(config, { name, bytes });
    post({ type: 'loaded', message: `loaded the run ${name} at iteration ${run.m.step}: both models, both optimisers and the loss history` });
    return;
  }
  // generatorMeta rejects any other format, naming the file.
  const { st, latent, step } = generatorMeta(name, bytes);
  if (latent !== config.latent) throw new CheckpointError(`${name}: a generator with latent size ${latent}; this run's generator takes ${config.latent}`);
  await run.m.flush();
  loadGenerator(gpu, name, st, run.m.g);
  gpu.check();
  post({ type: 'loaded', message: `loaded the generator ${name} (iteration ${step}) into this run; the discriminator and the optimisers are unchanged` });
  await postGrid();
}

/** As `lsgan score --n N` (seed 1): the same latent points, judge and statistics, the same numbers. */
async function scoreLive(n: number, judgeUrl: string, statsUrl: string): Promise<void> {
  if (run === null || gpu === null) return;
  await run.m.flush();
  const t0 = performance.now();
  judge ??= await fetchJudge(gpu, judgeUrl, statsUrl);
  run.scorer ??= await GeneratorScorer.create(gpu, judge.judge, run.m.g, 1);
  const score = await run.scorer.score(n, judge.stats);
  post({ type: 'score', step: run.m.step, score, seconds: (performance.now() - t0) / 1000 });
}

async function handle(r: Request): Promise<void> {
  switch (r.type) {
    case 'init': return init(r);
    case 'start': running = run !== null; post({ type: 'state', running }); return;
    case 'pause':
      running = false;
      await run?.m.flush();
      postLosses(true);
      post({ type: 'state', running });
      return;
    case 'reset':
      running = false;
      post({ type: 'state', running });
      return replaceRun(r.config, null);
    case 'refresh': if (config !== null) config = { ...config, refresh: r.every }; return;
    case 'profile': return profile();
    case 'generate': return generate(r.seed, r.interpolate);
    case 'download': return download(r.what);
    case 'upload': return upload(r.name, r.bytes);
    case 'score': return scoreLive(r.n, r.judgeUrl, r.statsUrl);
  }
}

async function main(): Promise<never> {
  for (;;) {
    const r = queue.shift();
    try {
      if (r !== undefined) await handle(r);
      else if (running) await trainOne();
      else {
        postLosses(true);
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } catch (e) {
      const fatal = gpu === null || images === null;
      if (r === undefined) running = false;
      post({ type: 'state', running });
      post(fatal ? { type: 'fatal', stage: 'model', message: (e as Error).message } : { type: 'error', message: (e as Error).message });
    }
  }
}

void main();
