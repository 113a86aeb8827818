// The live panel's state on the page: which run's messages count, the iteration counter,
// rate and ETA, the introduction's speed sentence, and which controls are usable. One place
// decides the buttons, so no path (a bad URL value, a failed build) can leave them dead.

import type { Losses } from '../src/lsgan/lsgan';
import { $ } from './dom';
import { isBusy } from './notes';
import type { DemoConfig, DrawTime, TrainedInfo } from './protocol';
import { epochText, estimateSpeed, eta, msPerDigit, rateText, speedSentence, type Speed } from './stats';

/** starting: no model yet; building: a model is being built; ready: a model exists; failed: none, Reset can build one. */
export type Phase = 'starting' | 'building' | 'ready' | 'failed';

export const live = {
  phase: 'starting' as Phase,
  running: false,
  /** The run whose losses and grids are shown; null while a Reset builds the next. */
  run: null as number | null,
  config: null as DemoConfig | null,
  lastLosses: null as Losses | null,
  imageCount: 60000,
  adapter: '',
  trained: null as TrainedInfo | null,
  draws: [] as DrawTime[],
  measured: null as Speed | null,
  /** (time, iteration) pairs of the recent past, for the rate. */
  progress: [] as Array<[number, number]>,
};

const LONG_ACTIONS = ['profile', 'generate', 'interpolate', 'download-generator', 'download-run', 'upload', 'score'];

export function updateControls(): void {
  const ready = live.phase === 'ready';
  $<HTMLButtonElement>('start').disabled = !ready || live.running;
  $<HTMLButtonElement>('pause').disabled = !live.running;
  $<HTMLButtonElement>('reset').disabled = live.phase === 'starting' || live.phase === 'building';
  for (const id of LONG_ACTIONS) $<HTMLButtonElement | HTMLInputElement>(id).disabled = !ready || isBusy(id);
  document.body.dataset.running = String(live.running);
  document.body.dataset.state = live.phase;
}

/** Iterations per second over the last ten seconds (or the last five iterations, if slower). */
function rate(now: number): number {
  const p = live.progress;
  while (p.length > 5 && now - p[0][0] > 10_000) p.shift();
  if (p.length < 2) return NaN;
  const [t0, s0] = p[0], [t1, s1] = p[p.length - 1];
  return t1 > t0 && s1 > s0 ? ((s1 - s0) * 1000) / (t1 - t0) : NaN;
}

export function updateStats(): void {
  const step = live.lastLosses?.step ?? 0;
  const batch = live.config?.batch ?? 64;
  const r = live.running ? rate(performance.now()) : NaN;
  if (Number.isFinite(r) && live.progress.length >= 3) live.measured = { seconds: 1 / r, batch, measured: true };
  $('stat-step').textContent = step.toLocaleString('en-US');
  $('stat-epoch').textContent = epochText(step, batch, live.imageCount);
  $('stat-rate').textContent = rateText(r);
  $('stat-eta').textContent = eta(step, batch, live.imageCount, r);
  const el = $('stat-losses');
  if (live.lastLosses !== null) {
    const l = live.lastLosses;
    el.textContent = `dloss1 ${l.d1.toFixed(4)}, dloss2 ${l.d2.toFixed(4)}, gloss ${l.g.toFixed(4)}`;
    el.dataset.losses = JSON.stringify(l);
  } else {
    el.textContent = '–';
    delete el.dataset.losses;
  }
  updateSpeedSentence();
}

function updateSpeedSentence(): void {
  if (live.adapter === '') return;
  const batch = live.config?.batch ?? 64;
  const digitMs = msPerDigit(live.draws);
  const speed = live.measured ?? (digitMs === null ? null : estimateSpeed(batch, digitMs));
  $('explain-speed').textContent = speed === null
    ? `On this adapter (${live.adapter}) the time per iteration is measured once the first digits are drawn.`
    : speedSentence(live.adapter, speed, live.trained);
}

/** Forgets everything shown about the previous run (Reset: losses, counter, rate). */
export function clearRun(): void {
  live.run = null;
  live.lastLosses = null;
  live.progress.length = 0;
  updateStats();
}
