// The result file's schema (bench/results/<adapter>-<date>.json), one type per section.
// Times are milliseconds, rates are GFLOP/s (1e9 floating-point operations per second, a
// multiply-add counting 2) and GB/s (1e9 bytes per second, reads plus writes).
// Schema 2 (this one): every section that depends on our kernels is a list with one entry per
// kernel family ('gpu', 'cpu': src/kernels/gpu.ts KernelFamily), the peers are a list (tfjs,
// jaxjs), and end to end and the peers were timed interleaved. Schema 1 files (one family,
// 'gpu', one peer, TF.js) are read through upgrade.ts, so --compare takes both.

import type { PeerId } from '../peer/peer-types';

export const SCHEMA = 'webgpu-lsgan-bench/2';

/** The kernel families the launchers can prepare (src/kernels/gpu.ts KernelFamily). */
export type Family = 'gpu' | 'cpu';

/** Median, min and max of repeated measurements (ms), and how many there were. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface AdapterRecord {
  /** The project's short name (gpu.ts describeAdapter). */
  name: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isCpu: boolean;
  /** Every field of GPUAdapterInfo the implementation reports (Dawn adds driver fields where it has them). */
  info: Record<string, unknown>;
  /** The driver, where known: Dawn's description carries it ("Vulkan driver ... Mesa 25.0.7"). */
  driver: string | null;
  features: string[];
  limits: Record<string, number>;
}

export interface Environment {
  variant: 'node' | 'browser';
  adapter: AdapterRecord;
  /** Node variant: the `webgpu` npm package (Dawn) and where dawn.node came from. */
  dawn: { package: string; version: string | null; dawnNode: string | null } | null;
  node: string;
  /** Browser variant: Chromium's version, its flags and user agent. */
  browser: { name: string; version: string; userAgent: string; flags: string[]; developerFeatures: boolean } | null;
  machine: { os: string; release: string; arch: string; cpuModel: string; cores: number; memoryBytes: number; hardwareConcurrency?: number };
  /** How kernel times are taken: 'timestamp-query' or 'wall-clock'. */
  clock: 'timestamp-query' | 'wall-clock';
  /** What the timestamps' resolution is (full in Dawn/Node; Chromium quantises to 100 us without developer features). */
  timestampResolution: string;
  /** The images trained on (the speed does not depend on the pixel values). */
  data: string;
  /** The code measured: git HEAD and the files under src/, shaders/ and bench/ that differ from it. */
  source?: { commit: string | null; modified: string[] | null };
}

export interface CheckRecord {
  /** "file:entry" checked. */
  entry: string;
  /** What was run and at which shape. */
  what: string;
  n: number;
  maxAbsErr: number;
  /** max |gpu - cpu| / max |cpu| (error relative to the output's scale). */
  relToScale: number;
  pass: boolean;
}

export interface Correctness {
  /** The pass rule. */
  tolerance: string;
  checks: CheckRecord[];
  /** Entry points of the recorded iteration that no check covers (the run refuses to time them unless --allow-unchecked). */
  unchecked: string[];
  pass: boolean;
}

/** The checks of one family's launchers (the launchers prepare the family Gpu.useKernels chose). */
export interface FamilyCorrectness extends Correctness {
  family: Family;
  /** How the family was chosen (Gpu.kernelsLine). */
  kernelsLine: string;
}

export interface MatmulCeiling {
  variant: string;
  M: number;
  N: number;
  K: number;
  flops: number;
  ms: Spread;
  gflops: number;
}

export interface Ceilings {
  clock: 'timestamp-query' | 'wall-clock';
  /** The CPU check of the matmul shader before timing it. */
  matmulCheck: { M: number; N: number; K: number; relToScale: Record<string, number>; tolerance: number };
  /** Every size tried while growing to the target time, then the final repeats. */
  matmulTried: Array<{ variant: string; size: number; ms: number; gflops: number }>;
  matmul: MatmulCeiling[];
  /** The best matmul variant's GFLOP/s: the FLOP/s ceiling. */
  gflops: number;
  copy: { bytes: number; ms: Spread; gbps: number };
  /** Bytes read + written per second by the copy: the bandwidth ceiling. */
  gbps: number;
}

export type Direction = 'inputs' | 'forward' | 'loss' | 'backward' | 'optimizer';

export interface KernelRow {
  phase: string;
  /** Position in the phase's kernel list. */
  index: number;
  /** phase|name#occurrence: how --compare matches kernels across files. */
  key: string;
  name: string;
  /** "file:entry" */
  entry: string;
  direction: Direction;
  /** Dispatches this kernel records (more than 1 for a chained kernel, e.g. split-K and its reduction). */
  dispatches: number;
  flops: number;
  bytes: number;
  ms: Spread;
  gflops: number;
  gbps: number;
  /** GFLOP/s over the matmul ceiling and GB/s over the copy ceiling. */
  ofMatmul: number;
  ofCopy: number;
}

export interface EntryRow {
  entry: string;
  direction: Direction;
  count: number;
  /** Sum of the medians of its kernels. */
  ms: number;
  flops: number;
  bytes: number;
  gflops: number;
  gbps: number;
  ofMatmul: number;
  ofCopy: number;
  share: number;
}

export interface KernelSection {
  family: Family;
  kernelsLine: string;
  batch: number;
  warmup: number;
  repeat: number;
  clock: 'timestamp-query' | 'wall-clock';
  /** Wall-clock only: dispatches of one kernel per submit, divided out. */
  dispatchesPerSample: number | null;
  rows: KernelRow[];
  entries: EntryRow[];
  phases: Array<{ phase: string; ms: number; share: number }>;
  totalMs: number;
}

export interface EndToEndRun {
  /** The kernel family the model was built with. */
  family: Family;
  batch: number;
  warmup: number;
  /** Timed iterations per round, submitted back to back as in training; the round waits for all of them at its end. */
  iterations: number;
  rounds: number;
  /** The headline: median over rounds of (round wall time / iterations). */
  msPerIteration: number;
  /** Each round's wall time / iterations, and every round's in round order (the paired ratios use them). */
  roundMs: Spread;
  perRoundMs: number[];
  /** Intervals between consecutive iterations' completions (their losses arriving), first one from the round's start. */
  intervalMs: Spread;
  imagesPerIteration: number;
  imagesPerSecond: number;
  /** 18,740 iterations (the tutorial: 20 epochs x 937 at batch 64) at this batch's ms per iteration. */
  tutorialIterationsSeconds: number;
  /** 20 epochs of floor(60000 / batch) iterations at this batch. */
  twentyEpochsSeconds: number;
  /** Kernels (Lsgan.phases entries) per iteration, and the dispatches they record. */
  kernelsPerIteration: number;
  dispatchesPerIteration: number;
  passesPerIteration: number;
  /** queue.submit calls counted during the timed iterations, divided by iterations. */
  submitsPerIteration: number;
  /** device.createBuffer calls during the timed iterations (0 in the steady state). */
  buffersCreatedWhileTimed: number;
  /** Bytes of the buffers the model created and has not destroyed. */
  gpuMemoryBytes: number;
  gpuBuffers: number;
  lastLosses: { d1: number; d2: number; g: number } | null;
}

export interface PeerRun {
  batch: number;
  warmup: number;
  /** Timed iterations per round (each timed on its own: the peers read the losses back every iteration). */
  iterations: number;
  rounds: number;
  /** Every timed iteration. */
  ms: Spread;
  /** Each round's mean ms per iteration, in round order (what the paired ratios divide by). */
  perRoundMs: number[];
  /** Building the models and uploading the data; then each warm-up iteration (jax-js compiles its jitted steps in the first). */
  setupMs: number;
  warmupMs: number[];
  lastLosses: { d1: number; d2: number; g: number } | null;
}

export interface PeerSection {
  id: PeerId;
  /** 'TensorFlow.js', 'jax-js'. */
  library: string;
  version: string | null;
  /** False with the reason when it was not asked for, could not start (the library's own error text), or failed. */
  ran: boolean;
  reason: string | null;
  what: string;
  adapterName: string | null;
  runs: PeerRun[];
}

/** Ours (one family) against one peer at one batch, from the same interleaved run. */
export interface RatioRow {
  batch: number;
  family: Family;
  peer: PeerId;
  oursMs: number;
  peerMs: number;
  /** Median ours / median peer, and its inverse. */
  oursOverPeer: number;
  speedup: number;
  /** Median over rounds of (ours' round / the peer's round that followed it): load drift between rounds cancels. */
  pairedOursOverPeer: number;
}

/** What ran when: at each batch, each round's contestants in the order they ran ('ours:gpu', 'tfjs', ...). */
export interface Interleaving {
  unit: 'round';
  /** How the order turns from one round to the next. */
  rotation: string;
  batches: Array<{ batch: number; rounds: string[][] }>;
}

export interface BenchResult {
  schema: typeof SCHEMA;
  date: string;
  command: string;
  options: Record<string, unknown>;
  environment: Environment;
  /** The families timed end to end and per kernel (a family is checked before either). */
  families: { endToEnd: Family[]; kernels: Family[] };
  /** One per family checked. */
  correctness: FamilyCorrectness[];
  ceilings: Ceilings | null;
  /** One per family timed per kernel. */
  kernels: KernelSection[];
  /** Runs for every family and batch. */
  endToEnd: { imagesDefinition: string; runs: EndToEndRun[] } | null;
  /** One per known peer, in PEER_IDS order, run or not (with the reason). */
  peers: PeerSection[];
  interleaving: Interleaving | null;
  /** Ours (each family) vs each peer per batch. */
  ratios: RatioRow[];
  /** Wall time of the whole run. */
  seconds: number;
}
