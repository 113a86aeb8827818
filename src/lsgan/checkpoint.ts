// Checkpoints: the generator alone (what the tutorial saves as model_%06d.h5) and the whole
// run (both models, both optimizers, the step and the loss history), as safetensors.
// Tensor names say which model, layer and Keras weight they hold. Loading checks the file
// against the architecture it is loaded into and names the file and the tensor at fault.

import type { Gpu, Tensor } from '../kernels/gpu';
import type { Sequential } from '../nn/layers';
import type { Losses, Lsgan, LsganConfig } from './lsgan';
import { CheckpointError, decodeSafetensors, encodeSafetensors, type NamedArray, type SafeTensors } from './safetensors';

export const GENERATOR_FORMAT = 'lsgan-keras-generator/1';
export const RUN_FORMAT = 'lsgan-keras-run/1';

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
  const missing = named.filter((n) => !st.tensors.has(n.name)).map((n) => n.name);
  if (missing.length > 0) throw new CheckpointError(`${file}: missing tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  const expected = new Set(named.map((n) => n.name));
  const extra = [...st.tensors.keys()].filter((k) => !expected.has(k) && !ignore(k));
  if (extra.length > 0) throw new CheckpointError(`${file}: unexpected tensor ${extra[0]} (not part of this architecture)`);
  for (const n of named) {
    const t = st.tensors.get(n.name)!;
    if (t.shape.length !== n.value.shape.length || t.shape.some((d, i) => d !== n.value.shape[i])) {
      throw new CheckpointError(`${file}: tensor ${n.name} has shape [${t.shape.join(', ')}], the architecture needs [${n.value.shape.join(', ')}]`);
    }
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new CheckpointError(`${file}: tensor ${n.name} holds ${t.data[bad]} at index ${bad}`);
  }
  for (const n of named) gpu.write(n.value, st.tensors.get(n.name)!.data);
}

export interface GeneratorMeta {
  latent: number;
  step: number;
}

export async function saveGenerator(gpu: Gpu, g: Sequential, meta: GeneratorMeta & Partial<LsganConfig>): Promise<Uint8Array> {
  return encodeSafetensors(await readAll(gpu, modelTensors(g)), {
    format: GENERATOR_FORMAT,
    architecture: 'LSGAN generator of the Keras tutorial (SPEC.md): Dense(12544)-BN-ReLU-Reshape(7,7,256)-Conv2DTranspose(128,4,2)-BN-ReLU-Conv2DTranspose(64,4,2)-BN-ReLU-Conv2D(1,7)-tanh; NHWC; Keras weight layouts',
    latent: String(meta.latent),
    step: String(meta.step),
    config: JSON.stringify(meta),
  });
}

/** Reads a generator file's latent size (to build the model before loading it). */
export function generatorMeta(file: string, bytes: Uint8Array): { st: SafeTensors; latent: number; step: number } {
  const st = decodeSafetensors(file, bytes);
  const format = st.metadata.format;
  if (format !== GENERATOR_FORMAT && format !== RUN_FORMAT) {
    throw new CheckpointError(`${file}: metadata format ${JSON.stringify(format)}, expected ${GENERATOR_FORMAT} or ${RUN_FORMAT}`);
  }
  const latent = Number(st.metadata.latent), step = Number(st.metadata.step);
  if (!Number.isInteger(latent) || latent < 1) throw new CheckpointError(`${file}: metadata latent ${JSON.stringify(st.metadata.latent)} is not a positive integer`);
  return { st, latent, step: Number.isInteger(step) ? step : 0 };
}

/** Loads generator weights (from a generator file or a whole-run file) into `g`. */
export function loadGenerator(gpu: Gpu, file: string, st: SafeTensors, g: Sequential): void {
  writeAll(gpu, file, st, modelTensors(g), (name) => st.metadata.format === RUN_FORMAT);
}

export async function saveRun(m: Lsgan, history: readonly Losses[]): Promise<Uint8Array> {
  const tensors = await readAll(m.gpu, runTensors(m));
  const h = new Float32Array(history.length * 3);
  history.forEach((l, i) => h.set([l.d1, l.d2, l.g], 3 * i));
  tensors.push({ name: 'history/losses', shape: [history.length, 3], data: h });
  return encodeSafetensors(tensors, {
    format: RUN_FORMAT,
    latent: String(m.config.latent),
    step: String(m.step),
    config: JSON.stringify(m.config),
    history_columns: 'dloss1,dloss2,gloss',
  });
}

export interface RunFile {
  st: SafeTensors;
  config: LsganConfig;
  step: number;
}

export function readRun(file: string, bytes: Uint8Array): RunFile {
  const st = decodeSafetensors(file, bytes);
  if (st.metadata.format !== RUN_FORMAT) {
    const hint = st.metadata.format === GENERATOR_FORMAT ? ' (this is a generator file: --resume needs a run checkpoint, run.safetensors)' : '';
    throw new CheckpointError(`${file}: metadata format ${JSON.stringify(st.metadata.format)}, expected ${RUN_FORMAT}${hint}`);
  }
  let config: LsganConfig;
  try {
    config = JSON.parse(st.metadata.config ?? '');
  } catch {
    throw new CheckpointError(`${file}: metadata config is not valid JSON`);
  }
  for (const k of ['batch', 'latent', 'lr', 'beta1', 'seed'] as const) {
    if (typeof config[k] !== 'number' || !Number.isFinite(config[k])) throw new CheckpointError(`${file}: metadata config.${k} is missing or not a number`);
  }
  const step = Number(st.metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new CheckpointError(`${file}: metadata step ${JSON.stringify(st.metadata.step)} is not a step number`);
  return { st, config, step };
}

/** Loads a whole run into a freshly created Lsgan with the same config; returns the loss history. */
export function loadRun(file: string, run: RunFile, m: Lsgan): Losses[] {
  writeAll(m.gpu, file, run.st, runTensors(m), (name) => name === 'history/losses');
  m.setStep(run.step);
  const h = run.st.tensors.get('history/losses');
  if (h === undefined) return [];
  if (h.shape.length !== 2 || h.shape[1] !== 3 || h.shape[0] !== run.step) {
    throw new CheckpointError(`${file}: tensor history/losses has shape [${h.shape.join(', ')}], expected [${run.step}, 3]`);
  }
  return Array.from({ length: h.shape[0] }, (_, i) => ({ step: i + 1, d1: h.data[3 * i], d2: h.data[3 * i + 1], g: h.data[3 * i + 2] }));
}
