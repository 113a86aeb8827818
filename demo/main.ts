// The page: panels and controls. All GPU work happens in worker.ts; this thread only draws
// what comes back, so the page stays responsive however slow the adapter is.
// URL parameters preset the settings: ?batch=8&lr=0.0002&beta1=0.5&seed=1&refresh=10&digits=100&autostart=1
// and the kernel family: &kernels=auto|gpu|cpu (auto: cpu on a CPU adapter).

import { formatDuration } from '../src/lsgan/format';
import { imageGrid } from '../src/lsgan/grid';
import { batchesPerEpoch, TUTORIAL, type Losses } from '../src/lsgan/lsgan';
import { LossChart } from './loss-chart';
import { MNIST_ASSET } from './mnist-fetch';
import type { AdapterReport, DemoConfig, ProfileRow, Reply, Request } from './protocol';
import { setupScorePanel, showScore } from './score-panel';
import type { KernelChoice } from '../src/kernels/gpu';
import { webgpuProblem } from './webgpu-support';

const EPOCHS = TUTORIAL.epochs;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);

const params = new URLSearchParams(location.search);
const initial: DemoConfig = {
  batch: numberParam('batch', TUTORIAL.batch),
  latent: TUTORIAL.latent,
  lr: numberParam('lr', TUTORIAL.lr),
  beta1: numberParam('beta1', TUTORIAL.beta1),
  seed: numberParam('seed', TUTORIAL.seed),
  refresh: numberParam('refresh', 10),
  digits: numberParam('digits', 100),
};
let imageCount = 60000;
let config = initial;
let running = false;
let lastLosses: Losses | null = null;
let gridVersion = 0;
/** (time, iteration) pairs of the last seconds, for the rate. */
const progress: Array<[number, number]> = [];

function numberParam(name: string, fallback: number): number {
  const v = params.get(name);
  return v !== null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback;
}

function showMessage(text: string, error = false): void {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', error);
  el.hidden = false;
}

function showUnsupported(reason: string): void {
  $('unsupported-reason').textContent = reason;
  $('unsupported').hidden = false;
  document.body.dataset.state = 'unsupported';
}

/** The same picture as the command line's (grid.ts), `cols` as `lsgan generate` chooses them. */
function drawGrid(canvas: HTMLCanvasElement, images: Float32Array, n: number): void {
  const g = imageGrid(images, n, 28, 28, { cols: Math.min(10, n) });
  canvas.width = g.width;
  canvas.height = g.height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(g.width, g.height);
  for (let i = 0; i < g.data.length; i++) {
    img.data.set([g.data[i], g.data[i], g.data[i], 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

function fillSettings(c: DemoConfig): void {
  input('batch').value = String(c.batch);
  input('lr').value = String(c.lr);
  input('beta1').value = String(c.beta1);
  input('seed').value = String(c.seed);
  input('refresh').value = String(c.refresh);
  input('digits').value = String(c.digits);
}

/** The settings form, checked; null (with the message shown) when a field is out of range. */
function readSettings(): DemoConfig | null {
  const batch = Number(input('batch').value), lr = Number(input('lr').value), beta1 = Number(input('beta1').value);
  const seed = Number(input('seed').value), refresh = Number(input('refresh').value), digits = Number(input('digits').value);
  const bad = [
    !(Number.isInteger(batch) && batch >= 2 && batch % 2 === 0 && batch <= 1024) && `batch size ${input('batch').value}: an even whole number from 2 to 1024`,
    !(lr > 0 && lr < 1) && `learning rate ${input('lr').value}: a number between 0 and 1`,
    !(beta1 >= 0 && beta1 < 1) && `beta1 ${input('beta1').value}: a number from 0 up to (not including) 1`,
    !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32) && `seed ${input('seed').value}: a whole number from 0 to 4294967295`,
    !(Number.isInteger(refresh) && refresh >= 1) && `refresh ${input('refresh').value}: a whole number of iterations, 1 or more`,
    !(Number.isInteger(digits) && digits >= 1 && digits <= 100) && `digits ${input('digits').value}: a whole number from 1 to 100`,
  ].filter((s): s is string => typeof s === 'string');
  if (bad.length > 0) {
    showMessage(`Not applied: ${bad.join('; ')}.`, true);
    return null;
  }
  return { batch, latent: TUTORIAL.latent, lr, beta1, seed, refresh, digits };
}

function updateStats(): void {
  const step = lastLosses?.step ?? 0;
  const perEpoch = batchesPerEpoch(imageCount, config.batch);
  const total = perEpoch * EPOCHS;
  $('stat-step').textContent = String(step);
  $('stat-epoch').textContent = `${Math.min(EPOCHS, Math.floor(step / perEpoch) + 1)} of ${EPOCHS} (${perEpoch} iterations each)`;
  const now = performance.now();
  while (progress.length > 2 && now - progress[0][0] > 10_000) progress.shift();
  const [t0, s0] = progress[0] ?? [now, step], [t1, s1] = progress[progress.length - 1] ?? [now, step];
  const rate = running && t1 > t0 && s1 > s0 ? ((s1 - s0) * 1000) / (t1 - t0) : NaN;
  $('stat-rate').textContent = Number.isFinite(rate) ? rate.toPrecision(3) : '–';
  $('stat-eta').textContent = step >= total ? 'done' : `${Number.isFinite(rate) ? formatDuration((total - step) / rate) : '–'} for the remaining ${total - step} of ${total}`;
  const el = $('stat-losses');
  if (lastLosses !== null) {
    el.textContent = `dloss1 ${lastLosses.d1.toFixed(4)}, dloss2 ${lastLosses.d2.toFixed(4)}, gloss ${lastLosses.g.toFixed(4)}`;
    el.dataset.losses = JSON.stringify(lastLosses);
  }
}

/** ?kernels=auto|gpu|cpu: which kernel family the worker's device prepares (src/kernels/gpu.ts). */
function kernelsParam(): KernelChoice {
  const v = params.get('kernels') ?? 'auto';
  if (v === 'auto' || v === 'gpu' || v === 'cpu') return v;
  showMessage(`?kernels=${v}: expected auto, gpu or cpu; using auto`);
  return 'auto';
}

function showAdapter(a: AdapterReport): void {
  $('adapter-name').textContent = `${a.name}${a.isCpu ? ': a CPU implementation, expect seconds per iteration (try batch 8)' : ''}`;
  const rows: Array<[string, string]> = [
    ['vendor / architecture', `${a.vendor || '–'} / ${a.architecture || '–'}`],
    ['kernel family', `${a.kernels.replace(/^kernels: /, '')} (?kernels=gpu|cpu to force one)`],
    ['timestamp queries', a.hasTimestamps ? 'yes (kernel profiler available)' : 'no'],
    ['features', a.features.join(', ') || 'none'],
    ...Object.entries(a.limits).map(([k, v]): [string, string] => [k, v.toLocaleString('en-US')]),
  ];
  $('adapter-limits').replaceChildren(...rows.map(([k, v]) => row([k, v])));
}

function row(cells: string[], numeric: boolean[] = []): HTMLTableRowElement {
  const tr = document.createElement('tr');
  cells.forEach((c, i) => {
    const td = document.createElement('td');
    td.textContent = c;
    if (numeric[i]) td.className = 'num';
    tr.append(td);
  });
  return tr;
}

const PHASE_COLOURS: Record<string, string> = { inputs: '#718096', d_real: '#2b6cb0', d_fake: '#c05621', gan: '#2f855a' };

function showProfile(rows: ProfileRow[] | null, note: string): void {
  $('profile-note').textContent = note;
  const phases = $('profile-phases'), table = $<HTMLTableElement>('profile-table');
  if (rows === null) {
    phases.replaceChildren();
    table.replaceChildren();
    return;
  }
  const total = rows.reduce((a, r) => a + r.ms, 0) || 1;
  const byPhase = new Map<string, number>();
  for (const r of rows) byPhase.set(r.phase, (byPhase.get(r.phase) ?? 0) + r.ms);
  phases.replaceChildren(...[...byPhase].map(([p, ms]) => {
    const d = document.createElement('div');
    d.style.width = `${(100 * ms) / total}%`;
    d.style.background = PHASE_COLOURS[p] ?? '#444';
    d.textContent = `${p} ${((100 * ms) / total).toFixed(0)}%`;
    d.title = `${p}: ${ms.toFixed(3)} ms`;
    return d;
  }));
  const head = row(['kernel', 'phase', 'ms', 'share', 'GFLOP/s', 'GB/s', ''], [false, false, true, true, true, true]);
  head.querySelectorAll('td').forEach((td) => (td.style.fontWeight = 'bold'));
  const sorted = [...rows].sort((a, b) => b.ms - a.ms);
  const body = sorted.slice(0, 25).map((r) => {
    const share = r.ms / total;
    const tr = row([r.kernel, r.phase, r.ms.toFixed(3), `${(100 * share).toFixed(1)}%`, r.ms > 0 ? (r.flops / r.ms / 1e6).toFixed(2) : '–', r.ms > 0 ? (r.bytes / r.ms / 1e6).toFixed(2) : '–', ''], [false, false, true, true, true, true]);
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.round(200 * share)}px`;
    tr.lastElementChild!.append(bar);
    return tr;
  });
  const sum = row([`${rows.length} kernels in all`, '', total.toFixed(3), '100%', '', '', ''], [false, false, true, true]);
  table.replaceChildren(head, ...body, sum);
}

function download(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function setRunning(on: boolean): void {
  running = on;
  progress.length = 0;
  $<HTMLButtonElement>('start').disabled = on;
  $<HTMLButtonElement>('pause').disabled = !on;
  document.body.dataset.running = String(on);
  updateStats();
}

function enableControls(): void {
  for (const id of ['start', 'reset', 'profile', 'generate', 'interpolate', 'download-generator', 'download-run', 'upload', 'score']) {
    $<HTMLButtonElement | HTMLInputElement>(id).disabled = false;
  }
  $<HTMLButtonElement>('pause').disabled = !running;
}

async function main(): Promise<void> {
  fillSettings(initial);
  const chart = new LossChart($('chart'));
  input('smooth').addEventListener('change', () => chart.setSmooth(input('smooth').checked));
  input('logscale').addEventListener('change', () => chart.setLog(input('logscale').checked));

  const problem = await webgpuProblem();
  if (problem !== null) {
    showUnsupported(problem);
    return;
  }
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'lsgan-gpu' });
  const send = (r: Request, transfer: Transferable[] = []) => worker.postMessage(r, transfer);
  let autostart = params.get('autostart') === '1';

  worker.onerror = (e) => showMessage(`The training worker failed: ${e.message}`, true);
  worker.onmessage = (ev: MessageEvent<Reply>) => {
    const r = ev.data;
    switch (r.type) {
      case 'fatal':
        if (r.stage === 'webgpu') showUnsupported(r.message);
        else showMessage(r.stage === 'mnist' ? `Could not load MNIST: ${r.message}` : `Could not build the model: ${r.message}`, true);
        document.body.dataset.state = 'failed';
        break;
      case 'adapter': showAdapter(r.adapter); break;
      case 'mnist-progress': {
        const p = $<HTMLProgressElement>('mnist-progress');
        if (r.total !== null) p.value = r.loaded / r.total;
        $('mnist-status').textContent = `MNIST: ${(r.loaded / 1e6).toFixed(1)}${r.total !== null ? ` of ${(r.total / 1e6).toFixed(1)}` : ''} MB`;
        break;
      }
      case 'mnist-ready':
        imageCount = r.count;
        $<HTMLProgressElement>('mnist-progress').value = 1;
        $('mnist-status').textContent = `MNIST: ${r.count.toLocaleString('en-US')} training images`;
        drawGrid($<HTMLCanvasElement>('real-grid'), r.sample, 100);
        break;
      case 'ready':
        config = r.config;
        fillSettings(config);
        lastLosses = r.history[r.history.length - 1] ?? null;
        chart.set(r.history);
        enableControls();
        document.body.dataset.state = 'ready';
        updateStats();
        if (autostart) {
          autostart = false;
          send({ type: 'start' });
        }
        break;
      case 'state': setRunning(r.running); break;
      case 'losses':
        lastLosses = r.losses[r.losses.length - 1];
        progress.push([performance.now(), lastLosses.step]);
        chart.add(r.losses);
        updateStats();
        break;
      case 'grid':
        drawGrid($<HTMLCanvasElement>('live-grid'), r.images, r.n);
        $('grid-step').textContent = `at iteration ${r.step}`;
        document.body.dataset.gridVersion = String(++gridVersion);
        document.body.dataset.gridStep = String(r.step);
        break;
      case 'profile': showProfile(r.rows, r.note); break;
      case 'generated':
        drawGrid($<HTMLCanvasElement>('gen-grid'), r.images, r.n);
        $('gen-caption').textContent = `${r.interpolate ? 'interpolated rows' : 'a new grid'} from the generator at iteration ${r.step}, seed ${r.seed} (as lsgan generate --n ${r.n} --seed ${r.seed}${r.interpolate ? ' --interpolate' : ''})`;
        document.body.dataset.generated = `${r.seed}:${r.interpolate}:${r.step}`;
        break;
      case 'file': download(r.name, r.bytes); break;
      case 'loaded': showMessage(r.message); break;
      case 'score': showScore(r); break;
      case 'error': showMessage(r.message, true); break;
    }
  };

  $('start').addEventListener('click', () => send({ type: 'start' }));
  $('pause').addEventListener('click', () => send({ type: 'pause' }));
  $('reset').addEventListener('click', () => {
    const c = readSettings();
    if (c === null) return;
    $('message').hidden = true;
    send({ type: 'reset', config: c });
  });
  input('refresh').addEventListener('change', () => {
    const every = Number(input('refresh').value);
    if (Number.isInteger(every) && every >= 1) send({ type: 'refresh', every });
    else showMessage(`refresh ${input('refresh').value}: a whole number of iterations, 1 or more`, true);
  });
  $('profile').addEventListener('click', () => {
    $('profile-note').textContent = 'profiling the next iteration…';
    send({ type: 'profile' });
  });
  const genSeed = () => {
    const s = Number(input('gen-seed').value);
    if (Number.isInteger(s) && s >= 0 && s < 2 ** 32) return s;
    showMessage(`seed ${input('gen-seed').value}: a whole number from 0 to 4294967295`, true);
    return null;
  };
  $('generate').addEventListener('click', () => {
    const seed = genSeed();
    if (seed !== null) send({ type: 'generate', seed, interpolate: false });
  });
  $('interpolate').addEventListener('click', () => {
    const seed = genSeed();
    if (seed !== null) send({ type: 'generate', seed, interpolate: true });
  });
  setupScorePanel(send, (text) => showMessage(text, true));
  $('download-generator').addEventListener('click', () => send({ type: 'download', what: 'generator' }));
  $('download-run').addEventListener('click', () => send({ type: 'download', what: 'run' }));
  input('upload').addEventListener('change', async () => {
    const file = input('upload').files?.[0];
    if (file === undefined) return;
    const bytes = await file.arrayBuffer();
    input('upload').value = '';
    send({ type: 'upload', name: file.name, bytes }, [bytes]);
  });
  setInterval(updateStats, 1000);

  send({ type: 'init', mnistUrl: new URL(MNIST_ASSET, location.href).href, config: initial, kernels: kernelsParam() });
}

void main();
