// The harness's options, shared by the Node entry (parsed from argv with node:util parseArgs)
// and the browser page (handed the same raw values by its driver). Defaults depend on where
// it runs: a GPU gets the full sizes; a CPU adapter (lavapipe, SwiftShader) small
// ones, since one iteration at batch 64 takes ~16 s on lavapipe and minutes on SwiftShader.

import { PEER_IDS, type PeerId } from '../peer/peer-types';
import type { Family } from './types';

export const OPTION_SPEC = {
  adapter: { type: 'string' },
  batch: { type: 'string' },
  batches: { type: 'string' },
  iterations: { type: 'string' },
  warmup: { type: 'string' },
  rounds: { type: 'string' },
  repeat: { type: 'string' },
  'kernel-warmup': { type: 'string' },
  dispatches: { type: 'string' },
  clock: { type: 'string' },
  peer: { type: 'boolean' },
  'no-peer': { type: 'boolean' },
  peers: { type: 'string' },
  families: { type: 'string' },
  kernels: { type: 'string' },
  'peer-iterations': { type: 'string' },
  'peer-warmup': { type: 'string' },
  'peer-batches': { type: 'string' },
  'no-kernels': { type: 'boolean' },
  'no-e2e': { type: 'boolean' },
  'matmul-size': { type: 'string' },
  'matmul-max': { type: 'string' },
  'copy-mib': { type: 'string' },
  'copy-max-mib': { type: 'string' },
  'target-ms': { type: 'string' },
  'allow-unchecked': { type: 'boolean' },
  seed: { type: 'string' },
  out: { type: 'string' },
  tag: { type: 'string' },
  data: { type: 'string' },
  compare: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type RawOptions = Partial<Record<keyof typeof OPTION_SPEC, string | boolean>>;

export interface BenchOptions {
  adapter: 'auto' | 'lavapipe' | 'swiftshader';
  /** Per-kernel batch. */
  batch: number;
  /** End-to-end batches. */
  batches: number[];
  iterations: number;
  warmup: number;
  rounds: number;
  repeat: number;
  kernelWarmup: number;
  dispatches: number;
  clock: 'auto' | 'wall';
  /** The peers to run, in PEER_IDS order (empty: none). */
  peers: PeerId[];
  peerBatches: number[];
  peerIterations: number;
  peerWarmup: number;
  /** The kernel families end to end (--families), each a fresh model built after Gpu.useKernels. */
  families: Family[];
  /** The per-kernel section: false with --no-kernels; its families are --kernels's (resolved on the adapter), else --families. */
  kernels: boolean;
  kernelChoice: Family | 'auto' | null;
  e2e: boolean;
  matmulSize: number | null;
  matmulMax: number;
  copyMib: number | null;
  copyMaxMib: number;
  targetMs: number;
  allowUnchecked: boolean;
  seed: number;
  out: string;
  tag: string | null;
  data: string | null;
  /** Which default set applied: 'gpu', 'cpu' (Node on a CPU adapter) or 'browser-cpu'. */
  defaults: 'gpu' | 'cpu' | 'browser-cpu';
}

export const USAGE = `npm run bench -- [options]            (Node + Dawn; the browser variant: npm run bench:browser -- [options])
npm run bench -- --compare A.json B.json   per-kernel and end-to-end ratios, B against A

  --adapter auto|lavapipe|swiftshader   Dawn adapter, chosen as the CLI does (Node only)
  --batch N            per-kernel batch (64; 8 in the browser on a CPU adapter)
  --batches 32,64,...  end-to-end batches (GPU 32,64,128,256; CPU 32; browser CPU 8)
  --iterations N       timed iterations per round (GPU 20; CPU 1)
  --rounds N           rounds of timed iterations; the headline is the median round (GPU 5; CPU 1)
  --warmup N           end-to-end warm-up iterations (GPU 5; CPU 1)
  --repeat N           per-kernel timed passes over the iteration (GPU 10; CPU 2; browser CPU 1)
  --kernel-warmup N    per-kernel warm-up passes (GPU 2; CPU 0)
  --clock auto|wall    timestamp queries when the adapter has them (auto), or wall clock
  --dispatches N       wall clock: dispatches of one kernel per submit (GPU 20; CPU 1)
  --families gpu,cpu   kernel families timed end to end, and per kernel unless --kernels (default both)
  --kernels gpu|cpu|auto  the per-kernel section's family (auto: as the CLI picks on this adapter)
  --peers tfjs,jaxjs|none  the peers, TensorFlow.js and jax-js on their WebGPU backends (Node: both; browser: none)
  --peer / --no-peer   the default peers on (the browser) / off (= --peers none)
  --peer-batches LIST  the peers' batches (default: the end-to-end batches)
  --peer-iterations N  --peer-warmup N   per round, and before (GPU 5 and 2; CPU 1 and 1)
                       at each batch ours (each family) and the peers take turns, round by round
                       (--iterations 1 --peer-iterations 1 --rounds N: iteration by iteration)
  --no-kernels --no-e2e  skip a section
  --matmul-size N      fixed square matmul ceiling size (default: grow from 128 until --target-ms, at most --matmul-max 8192)
  --copy-mib N         fixed copy size (default: grow from 16 MiB, at most --copy-max-mib 512)
  --target-ms N        ceiling growth target per dispatch (20)
  --allow-unchecked    time entry points the correctness checks do not cover (flagged in the output)
  --seed N  --data DIR|random (MNIST IDX dir, or random bytes; Node)  --out DIR (bench/results)  --tag NAME (file name suffix)`;

function int(raw: RawOptions, key: keyof typeof OPTION_SPEC, fallback: number, min: number): number {
  const v = raw[key];
  if (v === undefined || v === false) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min) throw new OptionError(`--${key} ${String(v)}: expected a whole number >= ${min}`);
  return n;
}

function list(raw: RawOptions, key: keyof typeof OPTION_SPEC, fallback: number[]): number[] {
  const v = raw[key];
  if (v === undefined || v === false) return fallback;
  const out = String(v).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (out.length === 0 || out.some((s) => !/^\d+$/.test(s) || Number(s) < 2 || Number(s) % 2 !== 0)) {
    throw new OptionError(`--${key} ${String(v)}: expected even batch sizes >= 2, comma-separated (e.g. 32,64)`);
  }
  return out.map(Number);
}

export class OptionError extends Error {}

function names<T extends string>(raw: RawOptions, key: keyof typeof OPTION_SPEC, all: readonly T[], fallback: T[], none: boolean): T[] {
  const v = raw[key];
  if (v === undefined || v === false) return fallback;
  const s = String(v).trim();
  if (none && s === 'none') return [];
  const out = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const bad = out.filter((x) => !(all as readonly string[]).includes(x));
  if (out.length === 0 || bad.length > 0) throw new OptionError(`--${key} ${s}: expected ${all.join(',')}${none ? ' or none' : ''} (comma-separated)`);
  return all.filter((x) => out.includes(x));
}

export const RANDOM_IMAGES = "random bytes, 60,000 images of 28x28 (MNIST's shape and count; the speed does not depend on the pixel values)";

/** 60,000 images of 28x28 pseudo-random bytes (xorshift32): the browser's data, and Node's with --data random. */
export function randomImages(count = 60_000): { count: number; rows: number; cols: number; pixels: Uint8Array } {
  const pixels = new Uint8Array(count * 784);
  let s = 0x9e3779b9;
  for (let i = 0; i < pixels.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    pixels[i] = s & 255;
  }
  return { count, rows: 28, cols: 28, pixels };
}

export function resolveOptions(raw: RawOptions, where: { variant: 'node' | 'browser'; isCpu: boolean }): BenchOptions {
  const defaults: BenchOptions['defaults'] = !where.isCpu ? 'gpu' : where.variant === 'browser' ? 'browser-cpu' : 'cpu';
  const d = {
    gpu: { batch: 64, batches: [32, 64, 128, 256], iterations: 20, rounds: 5, warmup: 5, repeat: 10, kernelWarmup: 2, dispatches: 20, peerIterations: 5, peerWarmup: 2 },
    cpu: { batch: 64, batches: [32], iterations: 1, rounds: 1, warmup: 1, repeat: 2, kernelWarmup: 0, dispatches: 1, peerIterations: 1, peerWarmup: 1 },
    'browser-cpu': { batch: 8, batches: [8], iterations: 1, rounds: 1, warmup: 1, repeat: 1, kernelWarmup: 0, dispatches: 1, peerIterations: 1, peerWarmup: 1 },
  }[defaults];
  const adapter = (raw.adapter ?? 'auto') as string;
  if (!['auto', 'lavapipe', 'swiftshader'].includes(adapter)) throw new OptionError(`--adapter ${adapter}: expected auto, lavapipe or swiftshader`);
  const clock = (raw.clock ?? 'auto') as string;
  if (!['auto', 'wall'].includes(clock)) throw new OptionError(`--clock ${clock}: expected auto or wall`);
  const batch = int(raw, 'batch', d.batch, 2);
  if (batch % 2 !== 0) throw new OptionError(`--batch ${batch}: expected an even number`);
  const batches = list(raw, 'batches', d.batches);
  if (raw['no-peer'] === true && raw.peers !== undefined) throw new OptionError('--no-peer and --peers: give one');
  const peerDefault: PeerId[] = raw['no-peer'] === true ? [] : raw.peer === true || where.variant === 'node' ? [...PEER_IDS] : [];
  const peers = names(raw, 'peers', PEER_IDS, peerDefault, true);
  const families = names<Family>(raw, 'families', ['gpu', 'cpu'], ['gpu', 'cpu'], false);
  const kernelChoice = raw.kernels === undefined ? null : (String(raw.kernels) as Family | 'auto');
  if (kernelChoice !== null && !['gpu', 'cpu', 'auto'].includes(kernelChoice)) throw new OptionError(`--kernels ${kernelChoice}: expected gpu, cpu or auto`);
  const matmulSize = raw['matmul-size'] === undefined ? null : int(raw, 'matmul-size', 0, 128);
  if (matmulSize !== null && (matmulSize & (matmulSize - 1)) !== 0) throw new OptionError(`--matmul-size ${matmulSize}: expected a power of two >= 128`);
  return {
    adapter: adapter as BenchOptions['adapter'],
    batch,
    batches,
    iterations: int(raw, 'iterations', d.iterations, 1),
    warmup: int(raw, 'warmup', d.warmup, 0),
    rounds: int(raw, 'rounds', d.rounds, 1),
    repeat: int(raw, 'repeat', d.repeat, 1),
    kernelWarmup: int(raw, 'kernel-warmup', d.kernelWarmup, 0),
    dispatches: int(raw, 'dispatches', d.dispatches, 1),
    clock: clock as BenchOptions['clock'],
    peers,
    peerBatches: list(raw, 'peer-batches', batches),
    peerIterations: int(raw, 'peer-iterations', d.peerIterations, 1),
    peerWarmup: int(raw, 'peer-warmup', d.peerWarmup, 0),
    families,
    kernels: raw['no-kernels'] !== true,
    kernelChoice,
    e2e: raw['no-e2e'] !== true,
    matmulSize,
    matmulMax: int(raw, 'matmul-max', 8192, 128),
    copyMib: raw['copy-mib'] === undefined ? null : int(raw, 'copy-mib', 0, 1),
    copyMaxMib: int(raw, 'copy-max-mib', 512, 1),
    targetMs: int(raw, 'target-ms', 20, 1),
    allowUnchecked: raw['allow-unchecked'] === true,
    seed: int(raw, 'seed', 1, 0),
    out: typeof raw.out === 'string' ? raw.out : 'bench/results',
    tag: typeof raw.tag === 'string' && raw.tag !== '' ? raw.tag : null,
    data: typeof raw.data === 'string' ? raw.data : null,
    defaults,
  };
}
