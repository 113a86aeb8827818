// The worker that owns the WebGPU device: it shows the shipped trained generator, loads MNIST,
// trains the LSGAN with the same library as the CLI, and answers the page's requests
// (protocol.ts) one at a time, between iterations, so the page's thread never waits on the GPU.
// Pause and Reset must answer within a second even on a CPU adapter (seconds per iteration):
// they are acknowledged the moment they arrive, no iteration starts after that, and on a CPU
// adapter only one iteration is ever in flight (with the loss ring's four, a Pause once took
// five more iterations to land).

import { createGpu, type Gpu } from '../src/kernels/gpu';
import { generatorMeta, loadGenerator, loadRun, readRun, RUN_FORMAT, saveGenerator, saveRun } from '../src/lsgan/checkpoint';
import type { IdxImages } from '../src/lsgan/idx';
import { Lsgan, type Losses } from '../src/lsgan/lsgan';
import { CheckpointError, decodeSafetensors } from '../src/lsgan/safetensors';
import { Sampler } from '../src/lsgan/sampler';
import type { KernelProfiler } from '../src/kernels/profiler';
import type { Sequential } from '../src/nn/layers';
import { fetchMnist, realSample } from './mnist-fetch';
import type { DemoConfig, Reply, Request, Which } from './protocol';
import { drawDigits } from './worker-draw';
import { adapterReport, profile, scoreGenerator, type Extras } from './worker-extras';
import { fetchTrained } from './worker-trained';

/** How long losses gather before they are sent to the page (a GPU runs many iterations in that time). */
const LOSS_POST_MS = 100;
/** The shipped generator's pictures: the tutorial's 10x10, seed 1 (as `lsgan generate`'s default). */
const TRAINED_DIGITS = 100, TRAINED_SEED = 1;

interface Run extends Extras {
  id: number;
  m: Lsgan;
  live: Sampler;
  profiler: KernelProfiler | null;
  history: Losses[];
}

const queue: Request[] = [];
let wake: (() => void) | null = null;
let gpu: Gpu | null = null;
let images: IdxImages | null = null;
let config: DemoConfig | null = null;
let run: Run | null = null;
let runs = 0;
let trained: (Extras & { g: Sequential; step: number }) | null = null;
let running = false;
let pendingLosses: Losses[] = [];
let lastLossPost = 0;

function post(reply: Reply, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(reply, transfer);
}

self.onmessage = (ev: MessageEvent<Request>) => {
  const r = ev.data;
  // This handler runs while the loop awaits the GPU, so the answer is immediate; the loop
  // submits no further iteration once `running` is false.
  if ((r.type === 'pause' || r.type === 'reset') && running) {
    running = false;
    post({ type: 'pausing', after: run?.m.step ?? 0, reset: r.type === 'reset' });
  }
  queue.push(r);
  wake?.();
};

function postLosses(force: boolean): void {
  if (pendingLosses.length === 0 || run === null) return;
  if (!force && performance.now() - lastLossPost < LOSS_POST_MS) return;
  post({ type: 'losses', run: run.id, losses: pendingLosses });
  pendingLosses = [];
  lastLossPost = performance.now();
}

async function init(r: Extract<Request, { type: 'init' }>): Promise<void> {
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
  // MNIST downloads while the trained generator draws (the network and the GPU, side by side).
  const mnist = fetchMnist(r.mnistUrl, (loaded, total, compressed) => post({ type: 'mnist-progress', loaded, total, compressed }));
  mnist.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
  await showTrained(gpu, r.trainedUrl);
  try {
    images = await mnist;
  } catch (e) {
    post({ type: 'fatal', stage: 'mnist', message: (e as Error).message });
    return;
  }
  const sample = realSample(images, 100, 1);
  post({ type: 'mnist-ready', count: images.count, sample }, [sample.buffer]);
  // The page sends the first Reset (with the defaults for this adapter) when it sees the adapter.
}

async function showTrained(g: Gpu, url: string): Promise<void> {
  try {
    const t = await fetchTrained(g, url);
    if ('missing' in t) {
      post({ type: 'trained-missing', message: t.missing });
      return;
    }
    trained = { g: t.g, step: t.info.step, scorer: null };
    // The grid is posted before the walk is drawn: on a CPU adapter each takes seconds.
    const grid = await drawDigits(g, t.g, TRAINED_DIGITS, TRAINED_SEED, false);
    post({ type: 'trained', info: t.info, grid: grid.images, time: grid.time }, [grid.images.buffer]);
    const walk = await drawDigits(g, t.g, TRAINED_DIGITS, TRAINED_SEED, true);
    post({ type: 'trained-walk', walk: walk.images, time: walk.time }, [walk.images.buffer]);
  } catch (e) {
    post({ type: 'trained-missing', message: `the shipped trained generator could not be shown: ${(e as Error).message}` });
  }
}

/** Builds a fresh run (or one loaded from a run file) and only then drops the old one. */
async function replaceRun(c: DemoConfig, load: { name: string; bytes: Uint8Array } | null): Promise<void> {
  if (gpu === null || images === null) throw new Error('the model cannot be built before the adapter and MNIST are ready');
  const file = load === null ? null : readRun(load.name, load.bytes);
  const next = file === null ? c : { ...c, ...file.config };
  const m = await Lsgan.create(gpu, lsganConfig(next), images);
  let history: Losses[] = [];
  let live: Sampler;
  try {
    if (load !== null && file !== null) history = loadRun(load.name, file, m);
    live = await Sampler.create(gpu, m.g, c.digits, next.seed);
  } catch (e) {
    m.destroy();
    throw e;
  }
  if (run !== null) {
    await run.m.flush();
    dropRun(run);
  }
  const fresh: Run = { id: ++runs, m, live, profiler: null, history, scorer: null };
  m.onLosses((l) => {
    fresh.history.push(l);
    if (run === fresh) pendingLosses.push(l);
  });
  run = fresh;
  config = { ...next, refresh: c.refresh, digits: c.digits };
  pendingLosses = [];
  post({ type: 'ready', run: fresh.id, config, step: m.step, history });
  await postGrid();
}

/** A request that needs the model, before it exists: answered, so its busy state ends. */
function notBuilt(): Error {
  return new Error('the model is not built yet (it is built once MNIST is loaded)');
}

function dropRun(r: Run): void {
  r.live.destroy();
  r.profiler?.destroy();
  r.scorer?.destroy();
  r.m.destroy();
}

/** The live grid from the same fixed latent points every time (draw 0 of the seed's sample stream). */
async function postGrid(): Promise<void> {
  if (run === null || gpu === null) return;
  const t0 = performance.now();
  const images = await run.live.fresh(0);
  post({ type: 'grid', run: run.id, step: run.m.step, n: run.live.n, images, time: { n: run.live.n, ms: performance.now() - t0 } }, [images.buffer]);
}

async function trainOne(): Promise<void> {
  if (run === null || config === null || gpu === null) return;
  await run.m.trainStep();
  // One iteration in flight on a CPU adapter: its losses (and the counter) arrive before the next starts.
  if (gpu.adapter.isCpu) await run.m.flush();
  if (run.m.step % config.refresh === 0) {
    await run.m.flush();
    await postGrid();
  }
  postLosses(gpu.adapter.isCpu);
  const last = run.history[run.history.length - 1];
  if (last !== undefined && !(Number.isFinite(last.d1) && Number.isFinite(last.d2) && Number.isFinite(last.g))) {
    running = false;
    post({ type: 'state', running, step: run.m.step });
    post({ type: 'error', about: 'train', run: run.id, message: `iteration ${last.step}: a loss is not finite (d1=${last.d1}, d2=${last.d2}, g=${last.g}); training paused. Reset, or load a checkpoint.` });
  }
}

function generatorOf(which: Which) {
  if (which === 'trained') {
    if (trained === null) throw new Error('no trained generator shipped with this build: choose the live one');
    return { g: trained.g, step: trained.step, extras: trained, live: false };
  }
  if (run === null) throw notBuilt();
  return { g: run.m.g, step: run.m.step, extras: run as Extras, live: true };
}

async function generate(which: Which, seed: number, interpolate: boolean): Promise<void> {
  if (gpu === null || run === null) throw notBuilt();
  await run.m.flush();
  const src = generatorOf(which);
  const d = await drawDigits(gpu, src.g, src.live ? run.live.n : TRAINED_DIGITS, seed, interpolate);
  post({ type: 'generated', which, seed, interpolate, step: src.step, n: d.n, images: d.images }, [d.images.buffer]);
}

async function download(what: 'generator' | 'run'): Promise<void> {
  if (run === null || gpu === null || config === null) throw notBuilt();
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
  if (run === null || gpu === null || config === null) throw notBuilt();
  const bytes = new Uint8Array(buffer);
  const format = decodeSafetensors(name, bytes).metadata.format;
  if (format === RUN_FORMAT) {
    await replaceRun(config, { name, bytes });
    post({ type: 'loaded', message: `loaded the run ${name} at iteration ${run.m.step.toLocaleString('en-US')}: both models, both optimisers and the loss history` });
    return;
  }
  // generatorMeta rejects any other format, naming the file.
  const { st, latent, step } = generatorMeta(name, bytes);
  if (latent !== config.latent) throw new CheckpointError(`${name}: a generator with latent size ${latent}; this run's generator takes ${config.latent}`);
  await run.m.flush();
  loadGenerator(gpu, name, st, run.m.g);
  gpu.check();
  post({ type: 'loaded', message: `loaded the generator ${name} (iteration ${step.toLocaleString('en-US')}) into this run; the discriminator and the optimisers are unchanged` });
  await postGrid();
}

async function handle(r: Request): Promise<void> {
  switch (r.type) {
    case 'init': return init(r);
    case 'start': running = run !== null; post({ type: 'state', running, step: run?.m.step ?? 0 }); return;
    case 'pause':
      running = false;
      await run?.m.flush();
      postLosses(true);
      post({ type: 'state', running, step: run?.m.step ?? 0 });
      return;
    case 'reset':
      running = false;
      await run?.m.flush();
      post({ type: 'state', running, step: run?.m.step ?? 0 });
      return replaceRun(r.config, null);
    case 'refresh': if (config !== null) config = { ...config, refresh: r.every }; return;
    case 'profile':
      if (run === null || gpu === null) throw notBuilt();
      return profile(gpu, run, () => postLosses(true), post);
    case 'generate': return generate(r.which, r.seed, r.interpolate);
    case 'download': return download(r.what);
    case 'upload': return upload(r.name, r.bytes);
    case 'score': {
      if (gpu === null || run === null) throw notBuilt();
      await run.m.flush();
      const src = generatorOf(r.which);
      return scoreGenerator(gpu, src.g, src.extras, r, src.step, post);
    }
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
      if (r === undefined) running = false;
      post({ type: 'state', running, step: run?.m.step ?? 0 });
      post({ type: 'error', about: r?.type ?? 'train', run: run?.id ?? null, message: (e as Error).message });
    }
  }
}

void main();
