// Checkpoints: the generator alone (what the tutorial saves as model_%06d.h5) and the whole
// run (both models, both optimizers, the step and the loss history), as safetensors.
// Tensor names say which model, layer and Keras weight they hold. Loading checks the file
// against the architecture it is loaded into and names the file and the tensor at fault.

import type { Gpu, Tensor } from '../kernels/gpu';
import type { Sequential } from '../nn/layers';
import { checkLatent, checkRun, failer, firstBad, GENERATOR_FORMAT, HISTORY_COLUMNS, MAX_STEP, metaInt, mustBeNonNegative, readConfig, RUN_FORMAT, type RunFile } from './checkpoint-rules';
import { CONFIG_KEYS } from './config-rules';
import { printable, quoted } from './json-strict';
import type { Losses, Lsgan, LsganConfig } from './lsgan';
import { decodeSafetensors, encodeSafetensors, type NamedArray, type SafeTensors } from './safetensors';

export { GENERATOR_FORMAT, RUN_FORMAT, type RunFile };

interface Named {
  name: string;
  value: Tensor;
}

function modelTensors(model: Sequential): Named[] {
  return [...model.params.map((p) => ({ name: p.name, value: p.value })), ...model.state];
}

function runTensors(m: Lsgan): Named[] {
  return [
    ...modelTensors(m.g), ...modelTensors(m.d),
    ...m.dOpt.stateTensors(), ...m.ganOpt.stateTensors(),
    { name: 'iteration', value: m.iteration },
  ];
}

async function readAll(gpu: Gpu, named: Named[]): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  for (const n of named) out.push({ name: n.name, shape: [...n.value.shape], data: await gpu.read(n.value) });
  return out;
}

/** Writes every expected tensor from the file into its GPU buffer, after checking all of them. */
function writeAll(gpu: Gpu, file: string, st: SafeTensors, named: Named[], ignore: (name: string) => boolean = () => false): void {
  const fail = failer(file);
  const missing = named.filter((n) => !st.tensors.has(n.name)).map((n) => n.name);
  if (missing.length > 0) fail(`missing tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  const expected = new Set(named.map((n) => n.name));
  const extra = [...st.tensors.keys()].filter((k) => !expected.has(k) && !ignore(k));
  if (extra.length > 0) fail(`unexpected tensor ${printable(extra[0])} (not part of this architecture)`);
  for (const n of named) {
    const t = st.tensors.get(n.name)!;
    if (t.shape.length !== n.value.shape.length || t.shape.some((d, i) => d !== n.value.shape[i])) {
      fail(`tensor ${n.name} has shape [${t.shape.join(', ')}], the architecture needs [${n.value.shape.join(', ')}]`);
    }
    const bad = firstBad(t.data);
    if (bad >= 0) fail(`tensor ${n.name} holds ${t.data[bad]} at index ${bad}`);
    const what = mustBeNonNegative(n.name);
    const neg = what === null ? -1 : firstBad(t.data, true);
    if (neg >= 0) fail(`tensor ${n.name} holds ${t.data[neg]} at index ${neg}: ${what} is never negative`);
  }
  for (const n of named) gpu.write(n.value, st.tensors.get(n.name)!.data);
}

export interface GeneratorMeta {
  latent: number;
  step: number;
}

/** `extra`: more metadata (model_best.safetensors records its score under `score`). */
export async function saveGenerator(gpu: Gpu, g: Sequential, meta: GeneratorMeta & Partial<LsganConfig>, extra: Record<string, string> = {}): Promise<Uint8Array> {
  return encodeSafetensors(await readAll(gpu, modelTensors(g)), {
    ...extra,
    format: GENERATOR_FORMAT,
    architecture: 'LSGAN generator of the Keras tutorial (SPEC.md): Dense(12544)-BN-ReLU-Reshape(7,7,256)-Conv2DTranspose(128,4,2)-BN-ReLU-Conv2DTranspose(64,4,2)-BN-ReLU-Conv2D(1,7)-tanh; NHWC; Keras weight layouts',
    latent: String(meta.latent),
    step: String(meta.step),
    // The config's keys only, so the reader can refuse any other (checkpoint-rules.ts).
    config: JSON.stringify({ ...pick(meta), latent: meta.latent, step: meta.step }),
  });
}

/**
 * Reads a generator file's latent size (to build the model before loading it), after checking
 * its metadata; a run file is checked as a run file (checkpoint-rules.ts).
 */
export function generatorMeta(file: string, bytes: Uint8Array): { st: SafeTensors; latent: number; step: number } {
  const st = decodeSafetensors(file, bytes);
  const fail = failer(file);
  const format = st.metadata.format;
  if (format === RUN_FORMAT) {
    const run = checkRun(file, st);
    return { st, latent: run.config.latent, step: run.step };
  }
  if (format !== GENERATOR_FORMAT) fail(`metadata format ${format === undefined ? 'missing' : quoted(format)}, expected ${GENERATOR_FORMAT} or ${RUN_FORMAT}`);
  const latent = metaInt(st, 'latent', 1, Number.MAX_SAFE_INTEGER, fail);
  const step = metaInt(st, 'step', 0, MAX_STEP, fail);
  if (st.metadata.config !== undefined) {
    // Optional (other writers' files lack it), but whole when present: ours always write it.
    const config = readConfig(st, fail, ['step']);
    if (config.latent !== latent) fail(`metadata latent ${latent} disagrees with config.latent ${config.latent}`);
    if (config.step !== undefined && config.step !== step) fail(`metadata step ${step} disagrees with config.step ${config.step}`);
  }
  checkLatent(st, latent, fail);
  return { st, latent, step };
}

/** Loads generator weights (from a generator file or a whole-run file) into `g`. */
export function loadGenerator(gpu: Gpu, file: string, st: SafeTensors, g: Sequential): void {
  writeAll(gpu, file, st, modelTensors(g), (name) => st.metadata.format === RUN_FORMAT);
}

/** `extra`: more metadata the run keeps (the score history, run-scores.ts); ours win on a clash. */
export async function saveRun(m: Lsgan, history: readonly Losses[], extra: Record<string, string> = {}): Promise<Uint8Array> {
  const tensors = await readAll(m.gpu, runTensors(m));
  const h = new Float32Array(history.length * 3);
  history.forEach((l, i) => h.set([l.d1, l.d2, l.g], 3 * i));
  tensors.push({ name: 'history/losses', shape: [history.length, 3], data: h });
  return encodeSafetensors(tensors, {
    ...extra,
    format: RUN_FORMAT,
    latent: String(m.config.latent),
    step: String(m.step),
    config: JSON.stringify(pick(m.config)),
    history_columns: HISTORY_COLUMNS,
  });
}

function pick(c: Partial<LsganConfig>): Partial<LsganConfig> {
  return Object.fromEntries(CONFIG_KEYS.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
}

/** Decodes a whole-run file and checks its metadata and bookkeeping (checkpoint-rules.ts). */
export function readRun(file: string, bytes: Uint8Array): RunFile {
  return checkRun(file, decodeSafetensors(file, bytes));
}

/** Loads a whole run into a freshly created Lsgan with the same config; returns the loss history. */
export function loadRun(file: string, run: RunFile, m: Lsgan): Losses[] {
  writeAll(m.gpu, file, run.st, runTensors(m), (name) => name === 'history/losses');
  m.setStep(run.step);
  const h = run.st.tensors.get('history/losses')!; // readRun checked its shape and values
  return Array.from({ length: h.shape[0] }, (_, i) => ({ step: i + 1, d1: h.data[3 * i], d2: h.data[3 * i + 1], g: h.data[3 * i + 2] }));
}
