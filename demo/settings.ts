// The training settings, checked in one place whatever they come from: the URL
// (?batch=8&lr=0.0002&beta1=0.5&seed=1&refresh=10&digits=100&kernels=auto&autostart=1) or the
// form. A bad value is shown next to its field and never reaches the worker (a seed of -1 once
// got as far as a kernel and left the page with no model and every button disabled); a bad URL
// value falls back to the default for that field and says so next to it.

import type { KernelChoice } from '../src/kernels/gpu';
import { TUTORIAL } from '../src/lsgan/lsgan';
import type { DemoConfig } from './protocol';

export type Field = 'batch' | 'lr' | 'beta1' | 'seed' | 'refresh' | 'digits';
export const FIELDS: readonly Field[] = ['batch', 'lr', 'beta1', 'seed', 'refresh', 'digits'];

const int = (x: number) => Number.isInteger(x);
export const RULES: Record<Field, { label: string; check: (x: number) => boolean; what: string }> = {
  batch: { label: 'batch size', check: (x) => int(x) && x >= 2 && x <= 1024 && x % 2 === 0, what: 'an even whole number from 2 to 1024' },
  lr: { label: 'learning rate', check: (x) => x > 0 && x < 1, what: 'a number above 0 and below 1' },
  beta1: { label: 'beta1', check: (x) => x >= 0 && x < 1, what: 'a number from 0 up to (not including) 1' },
  seed: { label: 'seed', check: (x) => int(x) && x >= 0 && x <= 0xffffffff, what: 'a whole number from 0 to 4,294,967,295' },
  refresh: { label: 'refresh', check: (x) => int(x) && x >= 1 && x <= 1e9, what: 'a whole number of iterations, 1 or more' },
  digits: { label: 'digits per picture', check: (x) => int(x) && x >= 1 && x <= 100, what: 'a whole number from 1 to 100' },
};

const KERNELS: readonly KernelChoice[] = ['auto', 'gpu', 'cpu'];
const KNOWN_PARAMS = [...FIELDS, 'kernels', 'autostart'];

export type Values = Record<Field, number>;

/**
 * Defaults by adapter class. A CPU implementation of WebGPU takes most of a second per
 * iteration even at batch 8, and a 20-digit picture costs most of an iteration there, so it
 * gets a small batch, few digits and a picture every 20 iterations; a GPU gets the tutorial's.
 */
export function defaultsFor(isCpu: boolean): Values {
  const common = { lr: TUTORIAL.lr, beta1: TUTORIAL.beta1, seed: TUTORIAL.seed };
  return isCpu ? { ...common, batch: 8, digits: 20, refresh: 20 } : { ...common, batch: TUTORIAL.batch, digits: 100, refresh: 10 };
}

/** A decimal number, or null: '' is not 0, and neither is 'abc' (Number('') is 0). */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : null;
}

/** Null when good, else what is wrong, in words. */
export function problemOf(f: Field, text: string): string | null {
  if (text.trim() === '') return `${RULES[f].label} is empty: expected ${RULES[f].what}`;
  const x = parseNumber(text);
  if (x === null) return `${RULES[f].label} "${text}" is not a number: expected ${RULES[f].what}`;
  return RULES[f].check(x) ? null : `${RULES[f].label} ${text}: expected ${RULES[f].what}`;
}

export interface FromUrl {
  values: Partial<Values>;
  /** Per field (and 'kernels', 'other'): a bad value and the fallback taken. */
  problems: Partial<Record<Field | 'kernels' | 'other', string>>;
  kernels: KernelChoice;
  autostart: boolean;
}

export function readUrl(params: URLSearchParams): FromUrl {
  const out: FromUrl = { values: {}, problems: {}, kernels: 'auto', autostart: params.get('autostart') === '1' };
  for (const f of FIELDS) {
    const v = params.get(f);
    if (v === null) continue;
    const p = problemOf(f, v);
    if (p === null) out.values[f] = parseNumber(v)!;
    else out.problems[f] = `?${f}=${v} in the URL: ${p.replace(/^.*expected /, 'expected ')}; using the default`;
  }
  const k = params.get('kernels');
  if (k !== null) {
    if ((KERNELS as string[]).includes(k)) out.kernels = k as KernelChoice;
    else out.problems.kernels = `?kernels=${k} in the URL: expected auto, gpu or cpu; using auto`;
  }
  const unknown = [...params.keys()].filter((k) => !KNOWN_PARAMS.includes(k));
  if (unknown.length > 0) out.problems.other = `unknown URL parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${KNOWN_PARAMS.join(', ')})`;
  return out;
}

const input = (f: Field) => document.getElementById(f) as HTMLInputElement;

/** Shows `text` (or nothing) next to field `f`, and marks the field for assistive technology. */
export function fieldNote(f: Field | 'kernels' | 'other' | 'gen-seed' | 'score-n', text: string | null, error = true): void {
  const el = document.getElementById(`${f}-note`)!;
  el.textContent = text ?? '';
  el.classList.toggle('error', error && text !== null);
  const field = document.getElementById(f);
  if (field instanceof HTMLInputElement) field.setAttribute('aria-invalid', String(error && text !== null));
}

/** Fills the form, and says next to each field what its default is on this adapter class. */
export function fillForm(values: Values, defaults: Values, isCpu: boolean): void {
  for (const f of FIELDS) {
    input(f).value = String(values[f]);
    document.getElementById(`${f}-default`)!.textContent = `default ${defaults[f]}`;
  }
  const other = defaultsFor(!isCpu);
  document.getElementById('defaults-note')!.textContent = isCpu
    ? `Defaults for a CPU adapter (a GPU gets batch ${other.batch}, ${other.digits} digits, a redraw every ${other.refresh} iterations).`
    : `Defaults for a GPU (a CPU adapter gets batch ${other.batch}, ${other.digits} digits, a redraw every ${other.refresh} iterations).`;
}

/** The form's values, or null with each bad field's problem shown next to it. */
export function readForm(): DemoConfig | null {
  let ok = true;
  const v = {} as Values;
  for (const f of FIELDS) {
    const p = problemOf(f, input(f).value);
    fieldNote(f, p);
    if (p !== null) ok = false;
    else v[f] = parseNumber(input(f).value)!;
  }
  return ok ? { ...v, latent: TUTORIAL.latent } : null;
}

/** Checks a field as it is typed, so a fixed value clears its note at once. */
export function watchForm(onRefresh: (every: number) => void): void {
  for (const f of FIELDS) {
    input(f).addEventListener('input', () => {
      const p = problemOf(f, input(f).value);
      fieldNote(f, p);
      if (p === null && f === 'refresh') onRefresh(parseNumber(input(f).value)!);
    });
  }
}

/** A seed field (the Generate panel's): null with the problem shown when it is not a seed. */
export function readSeed(id: 'gen-seed'): number | null {
  const el = document.getElementById(id) as HTMLInputElement;
  const p = problemOf('seed', el.value);
  fieldNote(id, p === null ? null : p.replace(/^seed/, 'the grid\'s seed'));
  return p === null ? parseNumber(el.value)! : null;
}
