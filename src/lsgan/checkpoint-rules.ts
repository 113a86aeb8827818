// What a checkpoint's metadata and state must satisfy before anything is built from it, beyond
// the format (safetensors.ts) and the architecture (checkpoint.ts): numbers written as our
// writer writes them, the config held to the flags' rules (config-rules.ts), step counters that
// agree with each other and with the Adam iteration counts, a finite non-negative loss history
// of one row per step, and the generator's input size agreeing with its first kernel, so a
// bad file never gets as far as allocating a model from its numbers.

import { CONFIG_KEYS, CONFIG_RULES } from './config-rules';
import { JsonError, JsonNumber, parseJson, printable, quoted } from './json-strict';
import type { LsganConfig } from './lsgan';
import { CheckpointError, type SafeTensors } from './safetensors';

export const GENERATOR_FORMAT = 'lsgan-keras-generator/1';
export const RUN_FORMAT = 'lsgan-keras-run/1';
export const HISTORY_COLUMNS = 'dloss1,dloss2,gloss';
/** The discriminator's Adam ticks twice per iteration and its step is an f32 (exact to 2^24). */
export const MAX_STEP = 2 ** 23;
const DENSE_UNITS = 256 * 7 * 7;

type Fail = (msg: string) => never;

export function failer(file: string): Fail {
  return (msg) => {
    throw new CheckpointError(`${printable(file, 300)}: ${msg}`);
  };
}

/** A metadata entry that must be a whole number in [min, max], written in plain digits. */
export function metaInt(st: SafeTensors, key: string, min: number, max: number, fail: Fail): number {
  const text = st.metadata[key];
  if (text === undefined) fail(`metadata ${key} is missing`);
  const v = new JsonNumber(text).integer;
  if (v === null || v < min || v > max) fail(`metadata ${key} ${quoted(text)} is not a whole number from ${min} to ${max}`);
  return v!;
}

/** Metadata config: a JSON object of the config's keys (and those of `extra`), each held to its flag's rule. */
export function readConfig(st: SafeTensors, fail: Fail, extra: readonly string[] = []): LsganConfig & Record<string, number> {
  const text = st.metadata.config;
  if (text === undefined) fail('metadata config is missing');
  let v;
  try {
    v = parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    return fail(`metadata config is not valid JSON (${e.message})`);
  }
  if (!(v instanceof Map)) return fail('metadata config is not a JSON object');
  const out: Record<string, number> = {};
  for (const [k, x] of v) {
    if (!(CONFIG_KEYS as string[]).includes(k) && !extra.includes(k)) fail(`metadata config has an unexpected key ${quoted(k)}`);
    if (!(x instanceof JsonNumber)) fail(`metadata config.${printable(k)} is not a number`);
    out[k] = (x as JsonNumber).value;
  }
  for (const k of CONFIG_KEYS) {
    if (!(k in out)) fail(`metadata config.${k} is missing`);
    if (!CONFIG_RULES[k].check(out[k])) fail(`metadata config.${k} ${out[k]}: expected ${CONFIG_RULES[k].what} (the rule of --${k})`);
  }
  return out as LsganConfig & Record<string, number>;
}

/** The generator's first kernel is [latent, 12544]: checked before a model of that size is made. */
export function checkLatent(st: SafeTensors, latent: number, fail: Fail): void {
  const k = st.tensors.get('generator/dense/kernel');
  if (k === undefined) fail('missing tensor generator/dense/kernel');
  if (k!.shape.length !== 2 || k!.shape[0] !== latent || k!.shape[1] !== DENSE_UNITS) {
    fail(`tensor generator/dense/kernel has shape [${k!.shape.join(', ')}], the architecture needs [${latent}, ${DENSE_UNITS}]`);
  }
}

function scalar(st: SafeTensors, name: string, fail: Fail): number {
  const t = st.tensors.get(name);
  if (t === undefined) fail(`missing tensor ${name}`);
  if (t!.data.length !== 1) fail(`tensor ${name} has shape [${t!.shape.join(', ')}], expected one value`);
  return t!.data[0];
}

export interface RunFile {
  st: SafeTensors;
  config: LsganConfig;
  step: number;
}

/** A whole-run file's metadata and bookkeeping, checked against each other. */
export function checkRun(file: string, st: SafeTensors): RunFile {
  const fail = failer(file);
  if (st.metadata.format !== RUN_FORMAT) {
    const hint = st.metadata.format === GENERATOR_FORMAT ? ' (this is a generator file: --resume needs a run checkpoint, run.safetensors)' : '';
    fail(`metadata format ${st.metadata.format === undefined ? 'missing' : quoted(st.metadata.format)}, expected ${RUN_FORMAT}${hint}`);
  }
  const c = readConfig(st, fail);
  const config: LsganConfig = { batch: c.batch, latent: c.latent, lr: c.lr, beta1: c.beta1, seed: c.seed };
  const step = metaInt(st, 'step', 0, MAX_STEP, fail);
  const latent = metaInt(st, 'latent', 1, Number.MAX_SAFE_INTEGER, fail);
  if (latent !== config.latent) fail(`metadata latent ${latent} disagrees with config.latent ${config.latent}`);
  if (st.metadata.history_columns !== HISTORY_COLUMNS) fail(`metadata history_columns ${st.metadata.history_columns === undefined ? 'missing' : quoted(st.metadata.history_columns)}, expected ${quoted(HISTORY_COLUMNS)}`);
  checkLatent(st, latent, fail);
  // Counters: one tick of `iteration` and of the composite's Adam per iteration, two of the
  // discriminator's (real and fake halves).
  for (const [name, per] of [['iteration', 1], ['gan_optimizer/iterations', 1], ['d_optimizer/iterations', 2]] as const) {
    const v = scalar(st, name, fail);
    if (v !== per * step) fail(`tensor ${name} holds ${v}, but metadata step ${step} means ${per * step}: the step counters disagree`);
  }
  const h = st.tensors.get('history/losses');
  if (h === undefined) fail(`missing tensor history/losses (the run's loss history: without it losses.csv would restart at ${step})`);
  if (h!.shape.length !== 2 || h!.shape[0] !== step || h!.shape[1] !== 3) fail(`tensor history/losses has shape [${h!.shape.join(', ')}], expected [${step}, 3] (one row per step)`);
  const bad = firstBad(h!.data, true);
  if (bad >= 0) fail(`tensor history/losses holds ${h!.data[bad]} at row ${Math.floor(bad / 3) + 1}: a squared-error loss is finite and >= 0`);
  return { st, config, step };
}

/** Index of the first value that is not finite (or, with `nonNegative`, is also < 0), or -1. */
export function firstBad(data: Float32Array, nonNegative = false): number {
  // Plain loops with the test inline: a run file holds 6 million values.
  if (nonNegative) {
    for (let i = 0; i < data.length; i++) if (!(data[i] >= 0 && data[i] !== Infinity)) return i;
  } else {
    for (let i = 0; i < data.length; i++) if (!(data[i] - data[i] === 0)) return i;
  }
  return -1;
}

/** Moving variances and Adam's second moments are averages of squares: never negative. */
export function mustBeNonNegative(name: string): string | null {
  if (name.endsWith('/moving_variance')) return 'a moving variance';
  if (/_optimizer\/.*\/v$/.test(name)) return "Adam's second moment";
  return null;
}
