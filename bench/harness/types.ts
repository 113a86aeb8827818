// The result file's schema (bench/results/<adapter>-<date>.json), one type per section.
// Times are milliseconds, rates are GFLOP/s (1e9 floating-point operations per second, a
// multiply-add counting 2) and GB/s (1e9 bytes per second, reads plus writes).

export const SCHEMA = 'webgpu-lsgan-bench/1';

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
  batch: number;
  warmup: number;
  /** Timed iterations per round, submitted back to back as in training; the round waits for all of them at its end. */
  iterations: number;
  rounds: number;
  /** The headline: median over rounds of (round wall time / iterations). */
  msPerIteration: number;
  /** Each round's wall time / iterations. */
  roundMs: Spread;
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
  iterations: number;
  ms: Spread;
  lastLosses: { d1: number; d2: number; g: number } | null;
}

export interface PeerSection {
  ran: boolean;
  reason: string | null;
  what: string;
  tfjsVersion: string | null;
  adapterName: string | null;
  runs: PeerRun[];
}

export interface BenchResult {
  schema: typeof SCHEMA;
  date: string;
  command: string;
  options: Record<string, unknown>;
  environment: Environment;
  correctness: Correctness;
  ceilings: Ceilings | null;
  kernels: KernelSection | null;
  endToEnd: { imagesDefinition: string; runs: EndToEndRun[] } | null;
  peer: PeerSection;
  /** Ours vs the peer per batch, medians. */
  ratios: Array<{ batch: number; oursMs: number; peerMs: number; oursOverPeer: number; speedup: number }>;
  /** Wall time of the whole run. */
  seconds: number;
}
