// The page: panels and controls. All GPU work happens in worker.ts; this thread only draws
// what comes back, so the page stays responsive however slow the adapter is.
// URL parameters preset the settings (settings.ts checks them as it checks the form):
// ?batch=8&lr=0.0002&beta1=0.5&seed=1&refresh=10&digits=100&kernels=auto|gpu|cpu&autostart=1

import { TUTORIAL } from '../src/lsgan/lsgan';
import { showAdapter } from './adapter-view';
import { $, download, drawGrid } from './dom';
import { clearRun, live, updateControls, updateStats } from './live';
import { LossChart } from './loss-chart';
import { MNIST_ASSET } from './mnist-fetch';
import { areaOf, busyControls, clearNotes, note, setBusy } from './notes';
import { showProfile } from './profile-view';
import { TRAINED_ASSET, type Reply, type Request, type Which } from './protocol';
import { setupScorePanel, showScore } from './score-panel';
import { defaultsFor, FIELDS, fieldNote, fillForm, readForm, readSeed, readUrl, watchForm, type Values } from './settings';
import { int } from './stats';
import { webgpuProblem } from './webgpu-support';

const fromUrl = readUrl(new URLSearchParams(location.search));
let autostart = fromUrl.autostart;
let pausingAfter: number | null = null;

function showUnsupported(reason: string): void {
  $('unsupported-reason').textContent = reason;
  $('unsupported').hidden = false;
  document.body.dataset.state = 'unsupported';
}

/** URL problems next to their fields, with the default each falls back to. */
function showUrlProblems(defaults: Values): void {
  for (const f of FIELDS) {
    const p = fromUrl.problems[f];
    if (p !== undefined) fieldNote(f, `${p} ${defaults[f]}`);
  }
}

function onTrained(r: Extract<Reply, { type: 'trained' }>): void {
  const i = r.info;
  live.trained = i;
  live.draws.push(r.time);
  const label = `trained by this project: ${int(i.step)} iterations${i.batch !== null ? ` at batch ${i.batch}` : ''}, score ${i.score ?? 'not recorded in the file'}`;
  $('trained-status').textContent = label;
  $('trained-status').dataset.kind = 'shown';
  drawGrid($<HTMLCanvasElement>('trained-grid'), r.grid, 100, `100 digits from the generator ${label}`);
  document.body.dataset.trained = String(i.step);
  updateStats();
}

function onTrainedMissing(message: string): void {
  const s = $('trained-status');
  s.textContent = `${message[0].toUpperCase()}${message.slice(1)}. Train a fresh one live: press Start.`;
  s.dataset.kind = 'missing';
  for (const id of ['trained-grid', 'trained-walk']) {
    $(id).closest('figure')!.hidden = true;
  }
  for (const id of ['gen-which', 'score-which']) {
    const sel = $<HTMLSelectElement>(id);
    sel.value = 'live';
    sel.querySelector<HTMLOptionElement>('option[value="trained"]')!.disabled = true;
  }
  document.body.dataset.trained = 'missing';
}

function onError(r: Extract<Reply, { type: 'error' }>): void {
  for (const id of busyControls(r.about)) setBusy(id, false);
  note(areaOf(r.about), r.message, 'error');
  if (r.about === 'reset' || r.about === 'upload' || r.about === 'train') {
    // A failed build leaves the previous model (or none): either way Reset is usable again.
    if (live.phase === 'building' || r.run === null) live.phase = r.run !== null ? 'ready' : 'failed';
    live.run = r.run;
  }
  updateControls();
}

async function main(): Promise<void> {
  const chart = new LossChart($('chart'));
  $<HTMLInputElement>('smooth').addEventListener('change', () => chart.setSmooth($<HTMLInputElement>('smooth').checked));
  $<HTMLInputElement>('logscale').addEventListener('change', () => chart.setLog($<HTMLInputElement>('logscale').checked));
  fieldNote('kernels', fromUrl.problems.kernels ?? null);
  fieldNote('other', fromUrl.problems.other ?? null);

  const problem = await webgpuProblem();
  if (problem !== null) {
    showUnsupported(problem);
    return;
  }
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'lsgan-gpu' });
  const send = (r: Request, transfer: Transferable[] = []) => worker.postMessage(r, transfer);
  const reset = (r: Extract<Request, { type: 'reset' }>, why = 'building a fresh model (compiling its kernels)…') => {
    clearRun();
    chart.set([]);
    live.phase = 'building';
    pausingAfter = null;
    note('train', live.running ? 'stopping, then building a fresh model…' : why, 'busy');
    updateControls();
    send(r);
  };

  worker.onerror = (e) => note('train', `The training worker failed: ${e.message}`, 'error');
  worker.onmessage = (ev: MessageEvent<Reply>) => {
    const r = ev.data;
    switch (r.type) {
      case 'fatal':
        if (r.stage === 'webgpu') showUnsupported(r.message);
        else note('train', `Could not load MNIST: ${r.message}`, 'error');
        live.phase = 'failed';
        updateControls();
        document.body.dataset.state = r.stage === 'webgpu' ? 'unsupported' : 'failed';
        break;
      case 'adapter': {
        showAdapter(r.adapter);
        live.adapter = r.adapter.name.replace(/ \((CPU|GPU)\)$/, '');
        const defaults = defaultsFor(r.adapter.isCpu);
        const values = { ...defaults, ...fromUrl.values };
        fillForm(values, defaults, r.adapter.isCpu);
        showUrlProblems(defaults);
        // The worker builds this model once MNIST is in (it handles requests in order).
        reset({ type: 'reset', config: { ...values, latent: TUTORIAL.latent } }, 'loading MNIST, then building the model (compiling its kernels)…');
        break;
      }
      case 'trained': onTrained(r); break;
      case 'trained-walk':
        live.draws.push(r.time);
        drawGrid($<HTMLCanvasElement>('trained-walk'), r.walk, 100, `10 rows of 10 digits, each row walking between two random inputs of the trained generator`);
        document.body.dataset.trainedWalk = 'drawn';
        break;
      case 'trained-missing': onTrainedMissing(r.message); break;
      case 'mnist-progress': {
        const p = $<HTMLProgressElement>('mnist-progress');
        if (r.total !== null) p.value = Math.min(1, r.loaded / r.total);
        const what = r.compressed ? 'MB (compressed)' : 'MB';
        $('mnist-status').textContent = `MNIST: ${(r.loaded / 1e6).toFixed(1)}${r.total !== null ? ` of ${(r.total / 1e6).toFixed(1)} ${what}, ${Math.floor((100 * r.loaded) / r.total)}%` : ` ${what}`}`;
        document.body.dataset.mnistProgress = `${r.loaded}/${r.total}`;
        break;
      }
      case 'mnist-ready':
        live.imageCount = r.count;
        $<HTMLProgressElement>('mnist-progress').value = 1;
        $('mnist-status').textContent = `MNIST: ${r.count.toLocaleString('en-US')} training images, 100%`;
        drawGrid($<HTMLCanvasElement>('real-grid'), r.sample, 100, '100 real MNIST training digits');
        break;
      case 'ready':
        live.run = r.run;
        live.config = r.config;
        for (const f of FIELDS) $<HTMLInputElement>(f).value = String(r.config[f]);
        live.lastLosses = r.history[r.history.length - 1] ?? null;
        chart.set(r.history);
        live.phase = 'ready';
        note('train', live.running ? '' : r.step > 0 ? `ready at iteration ${int(r.step)} (batch ${r.config.batch}); press Start to go on` : `ready: a fresh model at batch ${r.config.batch}; press Start`);
        updateControls();
        updateStats();
        if (autostart) {
          autostart = false;
          send({ type: 'start' });
        }
        break;
      case 'state':
        live.running = r.running;
        live.progress.length = 0;
        if (!r.running && pausingAfter !== null && live.phase === 'ready') note('train', `paused after iteration ${int(r.step)}`);
        if (r.running) note('train', '');
        pausingAfter = null;
        updateControls();
        updateStats();
        break;
      case 'pausing':
        pausingAfter = r.after;
        note('train', r.reset ? `stopping after iteration ${int(r.after)}, then building a fresh model…` : `pausing after iteration ${int(r.after)}…`, 'busy');
        break;
      case 'losses':
        if (r.run !== live.run) break; // from a run a Reset has replaced
        live.lastLosses = r.losses[r.losses.length - 1];
        live.progress.push([performance.now(), live.lastLosses.step]);
        chart.add(r.losses);
        updateStats();
        break;
      case 'grid':
        if (r.run !== live.run) break;
        live.draws.push(r.time);
        drawGrid($<HTMLCanvasElement>('live-grid'), r.images, r.n, `${r.n} digits from the live generator at iteration ${int(r.step)}`);
        $('grid-step').textContent = `the live generator at iteration ${int(r.step)}`;
        document.body.dataset.gridVersion = String(Number(document.body.dataset.gridVersion ?? 0) + 1);
        document.body.dataset.gridStep = String(r.step);
        break;
      case 'profile': setBusy('profile', false); showProfile(r.rows, r.note); updateControls(); break;
      case 'generated': {
        for (const id of busyControls('generate')) setBusy(id, false);
        note('generate', '');
        const what = `${r.interpolate ? 'interpolated rows' : 'a new grid'} from the ${r.which === 'trained' ? 'trained' : 'live'} generator at iteration ${int(r.step)}, seed ${r.seed}`;
        drawGrid($<HTMLCanvasElement>('gen-grid'), r.images, r.n, `${r.n} digits: ${what}`);
        $('gen-figure').hidden = false;
        $('gen-caption').textContent = `${what} (as lsgan generate --n ${r.n} --seed ${r.seed}${r.interpolate ? ' --interpolate' : ''})`;
        document.body.dataset.generated = `${r.which}:${r.seed}:${r.interpolate}:${r.step}`;
        updateControls();
        break;
      }
      case 'file':
        for (const id of busyControls('download')) setBusy(id, false);
        note('checkpoint', `downloaded ${r.name}`);
        download(r.name, r.bytes);
        updateControls();
        break;
      case 'loaded': setBusy('upload', false); note('checkpoint', r.message); updateControls(); break;
      case 'score': showScore(r); updateControls(); break;
      case 'error': onError(r); break;
    }
  };

  $('start').addEventListener('click', () => {
    note('train', '');
    send({ type: 'start' });
  });
  $('pause').addEventListener('click', () => {
    // Said at once; the worker's answer names the iteration it stops after.
    note('train', 'pausing after the iteration in flight…', 'busy');
    pausingAfter = -1;
    send({ type: 'pause' });
  });
  $('reset').addEventListener('click', () => {
    const c = readForm();
    if (c === null) {
      note('train', 'Not reset: fix the settings marked below.', 'error');
      return;
    }
    clearNotes();
    reset({ type: 'reset', config: c });
  });
  watchForm((every) => send({ type: 'refresh', every }));
  $('profile').addEventListener('click', () => {
    setBusy('profile', true);
    updateControls();
    showProfile(null, 'profiling the next iteration…');
    send({ type: 'profile' });
  });
  const generate = (interpolate: boolean) => {
    const seed = readSeed('gen-seed');
    if (seed === null) return;
    const which = $<HTMLSelectElement>('gen-which').value as Which;
    for (const id of busyControls('generate')) setBusy(id, true);
    note('generate', `drawing ${interpolate ? 'interpolated rows' : 'a new grid'} from the ${which} generator…`, 'busy');
    updateControls();
    send({ type: 'generate', which, seed, interpolate });
  };
  $('generate').addEventListener('click', () => generate(false));
  $('interpolate').addEventListener('click', () => generate(true));
  setupScorePanel((r) => {
    updateControls();
    send(r);
  });
  const fetchFile = (what: 'generator' | 'run') => {
    for (const id of busyControls('download')) setBusy(id, true);
    note('checkpoint', `preparing the ${what === 'run' ? 'whole run' : 'generator'}…`, 'busy');
    updateControls();
    send({ type: 'download', what });
  };
  $('download-generator').addEventListener('click', () => fetchFile('generator'));
  $('download-run').addEventListener('click', () => fetchFile('run'));
  $<HTMLInputElement>('upload').addEventListener('change', async () => {
    const input = $<HTMLInputElement>('upload');
    const file = input.files?.[0];
    if (file === undefined) return;
    setBusy('upload', true);
    note('checkpoint', `loading ${file.name}…`, 'busy');
    updateControls();
    const bytes = await file.arrayBuffer();
    input.value = '';
    send({ type: 'upload', name: file.name, bytes }, [bytes]);
  });
  setInterval(updateStats, 1000);
  updateControls();

  send({ type: 'init', mnistUrl: new URL(MNIST_ASSET, location.href).href, trainedUrl: new URL(TRAINED_ASSET, location.href).href, kernels: fromUrl.kernels });
}

void main();
