// Real checkpoint files without a GPU: the models and optimizers are built as the library
// builds them, on a stand-in Gpu that keeps tensors in host memory, and saved and loaded by
// the library's own saveGenerator / saveRun / generatorMeta / loadGenerator / readRun /
// loadRun. So the cpu project can fuzz the exact files the command line writes.

import { Tensor, type Gpu } from '../../src/kernels/gpu';
import { Adam } from '../../src/nn/adam';
import { generatorMeta, loadGenerator, loadRun, readRun, saveGenerator, saveRun } from '../../src/lsgan/checkpoint';
import { isBatchNormParam, TUTORIAL, type Losses, type Lsgan, type LsganConfig } from '../../src/lsgan/lsgan';
import { buildDiscriminator, buildGenerator } from '../../src/lsgan/models';
import { randn, rng } from './random';

/** The part of Gpu that building, saving and loading models uses, in host memory. */
export class HostGpu {
  private readonly values = new Map<Tensor, Float32Array>();
  tensor(shape: readonly number[], label: string, data?: ArrayLike<number>): Tensor {
    const t = new Tensor({ destroy() {} } as unknown as GPUBuffer, shape, label);
    if (data !== undefined) this.write(t, data);
    return t;
  }
  write(t: Tensor, data: ArrayLike<number>): void {
    if (data.length !== t.size) throw new Error(`write ${t.label}: ${data.length} values for ${t.size}`);
    this.values.set(t, data instanceof Float32Array ? data.slice() : Float32Array.from(data));
  }
  async read(t: Tensor): Promise<Float32Array> {
    return this.values.get(t)?.slice() ?? new Float32Array(t.size);
  }
  get asGpu(): Gpu {
    return this as unknown as Gpu;
  }
}

/** The fields of Lsgan that checkpoints touch, on a HostGpu. */
export function hostLsgan(config: LsganConfig, step: number): Lsgan {
  const host = new HostGpu(), gpu = host.asGpu;
  const g = buildGenerator(gpu, config.latent), d = buildDiscriminator(gpu);
  const adam = { lr: config.lr, beta1: config.beta1 };
  const m = {
    gpu, config, step, g, d,
    dOpt: new Adam(gpu, 'd_optimizer', d.params, adam),
    ganOpt: new Adam(gpu, 'gan_optimizer', [...g.params, ...d.params.filter(isBatchNormParam)], adam),
    iteration: gpu.tensor([1], 'iteration'),
    setStep(s: number) { m.step = s; gpu.write(m.iteration, [s]); },
  };
  return m as unknown as Lsgan;
}

/** Plausible state after `step` iterations: weights ~N(0, 0.02), positive variances and moments, counters in step. */
export function fillState(m: Lsgan, seed: number): void {
  const r = rng(seed);
  const gpu = m.gpu;
  const fill = (t: Tensor, f: (x: number) => number) => gpu.write(t, Float32Array.from(randn(r, t.size), f));
  for (const model of [m.g, m.d]) {
    for (const p of model.params) fill(p.value, (x) => (p.role === 'gamma' ? 1 + 0.01 * x : 0.02 * x));
    for (const s of model.state) fill(s.value, (x) => (s.name.endsWith('moving_variance') ? 0.5 + 0.1 * Math.abs(x) : 0.1 * x));
  }
  for (const opt of [m.dOpt, m.ganOpt]) {
    for (const p of opt.params) {
      fill(opt.m.get(p)!, (x) => 1e-3 * x);
      fill(opt.v.get(p)!, (x) => 1e-6 * x * x);
    }
  }
  gpu.write(m.dOpt.step, [2 * m.step]);
  gpu.write(m.ganOpt.step, [m.step]);
  gpu.write(m.iteration, [m.step]);
}

export function history(steps: number, seed = 1): Losses[] {
  const r = rng(seed);
  return Array.from({ length: steps }, (_, i) => ({ step: i + 1, d1: 0.1 + r(), d2: 0.1 + r(), g: 0.5 + r() }));
}

export const SMALL_RUN: LsganConfig = { batch: 2, latent: TUTORIAL.latent, lr: TUTORIAL.lr, beta1: TUTORIAL.beta1, seed: 3 };

export async function realGeneratorFile(step = 937, config: LsganConfig = SMALL_RUN): Promise<Uint8Array> {
  const m = hostLsgan(config, step);
  fillState(m, 11);
  return saveGenerator(m.gpu, m.g, { ...config, step });
}

export async function realRunFile(step = 20, config: LsganConfig = SMALL_RUN, losses: Losses[] = history(step)): Promise<Uint8Array> {
  const m = hostLsgan(config, step);
  fillState(m, 12);
  return saveRun(m, losses);
}

/** What `lsgan generate --model FILE` does with a file before it draws: decode, check, load. */
export function loadAsGenerate(file: string, bytes: Uint8Array): void {
  const { st, latent } = generatorMeta(file, bytes);
  const gpu = new HostGpu().asGpu;
  loadGenerator(gpu, file, st, buildGenerator(gpu, latent));
}

/** What `lsgan train --resume FILE` does with a file before it trains: decode, check, load. */
export function loadAsResume(file: string, bytes: Uint8Array): Losses[] {
  const run = readRun(file, bytes);
  return loadRun(file, run, hostLsgan(run.config, 0));
}
