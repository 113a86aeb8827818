// Numbers for people: iteration rates (seconds per iteration below one a second: "0.0279
// iterations/s" said nothing), the ETA of the tutorial's 20 epochs or their equivalent in
// images at this batch (saying which), thousands separators, and the page's sentence on how
// long digits take on this adapter.

import { formatDuration } from '../src/lsgan/format';
import { batchesPerEpoch, TUTORIAL } from '../src/lsgan/lsgan';
import type { DrawTime } from './protocol';

const MNIST = 60_000;
export const TUTORIAL_ITERATIONS = TUTORIAL.epochs * batchesPerEpoch(MNIST, TUTORIAL.batch); // 18,740
const TUTORIAL_IMAGES = TUTORIAL_ITERATIONS * TUTORIAL.batch;
/**
 * Images seen before a generator draws digit shapes, when no trained generator says better:
 * roughly one epoch (the tutorial's first epoch-end picture already shows digits).
 */
const DIGITS_AFTER_IMAGES = MNIST;
/**
 * One training iteration at batch B costs about this many generator passes per image: the
 * generator's forward pass for B/2 fakes plus forward and backward (~3 passes) for B composite
 * points; the discriminator is ~3% of the generator's FLOPs: 3.5 by FLOPs. Small batches pay
 * more per image (fixed costs per dispatch): 5.8 measured on SwiftShader at batch 8. Used to
 * estimate an iteration's time from a picture's before any iteration has run.
 */
const PASSES_PER_IMAGE = 5;

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export function rateText(perSecond: number): string {
  if (!(perSecond > 0 && Number.isFinite(perSecond))) return '–';
  return perSecond >= 1 ? `${perSecond.toPrecision(3)} iterations/s` : `${(1 / perSecond).toPrecision(3)} s per iteration`;
}

/** The ETA of the tutorial's 18,740 iterations at batch 64, or of 20 epochs (its images) at this batch, saying which. */
export function eta(step: number, batch: number, images: number, perSecond: number): string {
  const total = TUTORIAL.epochs * batchesPerEpoch(images, batch);
  const which = batch === TUTORIAL.batch
    ? `the tutorial's ${int(total)} iterations (20 epochs at batch 64)`
    : `${int(total)} iterations (20 epochs at batch ${batch}: as many images as the tutorial's ${int(TUTORIAL_ITERATIONS)} iterations at batch 64)`;
  if (step >= total) return `done: ${which}`;
  return `${perSecond > 0 ? formatDuration((total - step) / perSecond) : '–'} for the remaining ${int(total - step)} of ${which}`;
}

export function epochText(step: number, batch: number, images: number): string {
  const per = batchesPerEpoch(images, batch);
  return `${Math.min(TUTORIAL.epochs, Math.floor(step / per) + 1)} of ${TUTORIAL.epochs} (${int(per)} iterations each)`;
}

/** The fastest per-digit time among pictures drawn after their pipelines were built. */
export function msPerDigit(times: readonly DrawTime[]): number | null {
  const per = times.filter((t) => t.n > 0 && t.ms > 0).map((t) => t.ms / t.n);
  return per.length === 0 ? null : Math.min(...per);
}

export interface Speed {
  /** Seconds per iteration at `batch`. */
  seconds: number;
  batch: number;
  measured: boolean;
}

export function estimateSpeed(batch: number, digitMs: number): Speed {
  return { seconds: (PASSES_PER_IMAGE * batch * digitMs) / 1000, batch, measured: false };
}

/** The third sentence of the introduction: how long digits take here, from the speed. */
export function speedSentence(adapter: string, s: Speed, trained: { step: number; batch: number | null } | null): string {
  const perImage = s.seconds / s.batch;
  const how = s.measured ? 'measured' : 'estimated from how fast it drew digits; measured once training runs';
  const digits = trained !== null && trained.batch !== null
    ? `the ${int(trained.step)} iterations at batch ${trained.batch} of the trained generator (${int(trained.step * trained.batch)} images) would take ${formatDuration(trained.step * trained.batch * perImage)} here`
    : `digit shapes, which appear after roughly one epoch (${int(DIGITS_AFTER_IMAGES)} images, ${int(DIGITS_AFTER_IMAGES / s.batch)} iterations at batch ${s.batch}), take about ${formatDuration(DIGITS_AFTER_IMAGES * perImage)}`;
  return `On this adapter (${adapter}) an iteration at batch ${s.batch} takes ${s.seconds < 1 ? `${(s.seconds * 1000).toPrecision(3)} ms` : formatDuration(s.seconds)} (${how}): ${digits}, and the tutorial's ${int(TUTORIAL_ITERATIONS)} iterations at batch 64 about ${formatDuration(TUTORIAL_IMAGES * perImage)}.`;
}
