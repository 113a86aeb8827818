// Messages between the page (main.ts) and the worker that owns the GPU device (worker.ts).
// The worker handles requests one at a time, in order, between training iterations; Pause
// and Reset are also acknowledged the moment they arrive (see worker.ts).

import type { KernelChoice } from '../src/kernels/gpu';
import type { Losses, LsganConfig } from '../src/lsgan/lsgan';
import type { Score } from '../src/lsgan/score';

export interface DemoConfig extends LsganConfig {
  /** Draw the live grid every this many iterations. */
  refresh: number;
  /** Digits per picture (the tutorial's 10x10 = 100; fewer are cheaper on CPU adapters). */
  digits: number;
}

/** Where the site keeps the generator trained by this project (vite.demo.config.ts ships it when present). */
export const TRAINED_ASSET = 'pretrained/generator.safetensors';

/** Which generator a picture or a score is of: the shipped trained one, or the live run's. */
export type Which = 'trained' | 'live';

export type Request =
  | { type: 'init'; mnistUrl: string; trainedUrl: string; kernels: KernelChoice }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'reset'; config: DemoConfig }
  | { type: 'refresh'; every: number }
  | { type: 'profile' }
  | { type: 'generate'; which: Which; seed: number; interpolate: boolean }
  | { type: 'download'; what: 'generator' | 'run' }
  | { type: 'upload'; name: string; bytes: ArrayBuffer }
  /** Score a generator with the judge (fetched from the two URLs on first use). */
  | { type: 'score'; which: Which; n: number; judgeUrl: string; statsUrl: string };

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

/** What the shipped generator's metadata says about it. */
export interface TrainedInfo {
  file: string;
  step: number;
  /** The batch it was trained at (config.batch), when the file records it. */
  batch: number | null;
  /** Its score as the file records it (e.g. "Fréchet distance 12.34 over 1,000 digits"), or null. */
  score: string | null;
}

/** Time to draw `n` digits on the GPU (the generator alone, after its pipelines exist). */
export interface DrawTime {
  n: number;
  ms: number;
}

/** Images come as [n, 28, 28, 1] in [-1, 1], the generator's output range. */
export type Reply =
  | { type: 'fatal'; message: string; stage: 'webgpu' | 'mnist' }
  | { type: 'adapter'; adapter: AdapterReport }
  | { type: 'trained'; info: TrainedInfo; grid: Float32Array; time: DrawTime }
  | { type: 'trained-walk'; walk: Float32Array; time: DrawTime }
  | { type: 'trained-missing'; message: string }
  /** `compressed`: the bytes counted are the gzip file's; else the inflated IDX file's. */
  | { type: 'mnist-progress'; loaded: number; total: number | null; compressed: boolean }
  | { type: 'mnist-ready'; count: number; sample: Float32Array }
  | { type: 'ready'; run: number; config: DemoConfig; step: number; history: Losses[] }
  | { type: 'state'; running: boolean; step: number }
  /** Sent as soon as Pause or Reset arrives: the iteration in flight, after which training stops. */
  | { type: 'pausing'; after: number; reset: boolean }
  | { type: 'losses'; run: number; losses: Losses[] }
  | { type: 'grid'; run: number; step: number; n: number; images: Float32Array; time: DrawTime }
  | { type: 'profile'; step: number; rows: ProfileRow[] | null; note: string }
  | { type: 'generated'; which: Which; seed: number; interpolate: boolean; step: number; n: number; images: Float32Array }
  | { type: 'file'; name: string; bytes: Uint8Array }
  | { type: 'loaded'; message: string }
  | { type: 'score'; which: Which; step: number; score: Score; seconds: number }
  /** A request failed; `about` names it so the page shows the message next to its control. */
  | { type: 'error'; about: Request['type'] | 'train'; message: string; run: number | null };
