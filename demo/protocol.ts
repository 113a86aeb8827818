// Messages between the page (main.ts) and the worker that owns the GPU device (worker.ts).
// The worker handles requests one at a time, in order, between training iterations.

import type { KernelChoice } from '../src/kernels/gpu';
import type { Losses, LsganConfig } from '../src/lsgan/lsgan';
import type { Score } from '../src/lsgan/score';

export interface DemoConfig extends LsganConfig {
  /** Draw the live grid every this many iterations. */
  refresh: number;
  /** Digits per picture (the tutorial's 10x10 = 100; fewer are cheaper on CPU adapters). */
  digits: number;
}

export type Request =
  | { type: 'init'; mnistUrl: string; config: DemoConfig; kernels: KernelChoice }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'reset'; config: DemoConfig }
  | { type: 'refresh'; every: number }
  | { type: 'profile' }
  | { type: 'generate'; seed: number; interpolate: boolean }
  | { type: 'download'; what: 'generator' | 'run' }
  | { type: 'upload'; name: string; bytes: ArrayBuffer }
  /** Score the live generator with the judge (fetched from the two URLs on first use). */
  | { type: 'score'; n: number; judgeUrl: string; statsUrl: string };

export interface AdapterReport {
  name: string;
  /** The kernel family in use and why ("kernels: cpu-class (subgroups 8)"). */
  kernels: string;
  vendor: string;
  architecture: string;
  isCpu: boolean;
  features: string[];
  limits: Record<string, number>;
  hasTimestamps: boolean;
}

export interface ProfileRow {
  phase: string;
  kernel: string;
  ms: number;
  flops: number;
  bytes: number;
}

/** Images come as [n, 28, 28, 1] in [-1, 1], the generator's output range. */
export type Reply =
  | { type: 'fatal'; message: string; stage: 'webgpu' | 'mnist' | 'model' }
  | { type: 'adapter'; adapter: AdapterReport }
  | { type: 'mnist-progress'; loaded: number; total: number | null }
  | { type: 'mnist-ready'; count: number; sample: Float32Array }
  | { type: 'ready'; config: DemoConfig; step: number; history: Losses[] }
  | { type: 'state'; running: boolean }
  | { type: 'losses'; losses: Losses[] }
  | { type: 'grid'; step: number; n: number; images: Float32Array }
  | { type: 'profile'; step: number; rows: ProfileRow[] | null; note: string }
  | { type: 'generated'; seed: number; interpolate: boolean; step: number; n: number; images: Float32Array }
  | { type: 'file'; name: string; bytes: Uint8Array }
  | { type: 'loaded'; message: string }
  | { type: 'score'; step: number; score: Score; seconds: number }
  | { type: 'error'; message: string };
