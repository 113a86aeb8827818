// What the worker measures and reports besides training: the adapter (name, class, kernel
// family, limits), the kernel profiler (one training iteration with every kernel timed) and
// the judge's score of a generator (as `lsgan score --n N`, seed 1: the same latent points,
// judge and statistics, so the same numbers).

import type { Gpu } from '../src/kernels/gpu';
import { KernelProfiler } from '../src/kernels/profiler';
import type { Lsgan } from '../src/lsgan/lsgan';
import { GeneratorScorer } from '../src/lsgan/score';
import type { Sequential } from '../src/nn/layers';
import { fetchJudge, type FetchedJudge } from './judge-fetch';
import type { AdapterReport, Reply, Request } from './protocol';

/** What a generator keeps for the judge: its scorer, made on the first Score request. */
export interface Extras {
  scorer: GeneratorScorer | null;
}

let judge: FetchedJudge | null = null;

export function adapterReport(g: Gpu): AdapterReport {
  const l = g.device.limits;
  const keys = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension'] as const;
  return {
    name: g.adapter.name,
    kernels: g.kernelsLine,
    vendor: g.adapter.vendor,
    architecture: g.adapter.architecture,
    isCpu: g.adapter.isCpu,
    features: [...g.device.features].sort(),
    limits: Object.fromEntries(keys.map((k) => [k, l[k]])),
    hasTimestamps: g.hasTimestamps,
  };
}

export async function profile(gpu: Gpu, run: { m: Lsgan; profiler: KernelProfiler | null }, flushLosses: () => void, post: (r: Reply) => void): Promise<void> {
  if (!gpu.hasTimestamps) {
    post({ type: 'profile', step: run.m.step, rows: null, note: `${gpu.adapter.name} does not offer the 'timestamp-query' feature, so GPU times per kernel cannot be measured here. In Chrome, enable chrome://flags/#enable-webgpu-developer-features.` });
    return;
  }
  run.profiler ??= new KernelProfiler(gpu, run.m.kernelCount);
  const times = await run.m.profiledStep(run.profiler);
  flushLosses();
  const rows = times.map((t) => ({ phase: t.group, kernel: t.kernel.name, ms: t.ms, flops: t.kernel.flops, bytes: t.kernel.bytes }));
  // Chromium rounds timestamps to 100 us unless WebGPU developer features are on: say so when every time is a multiple of it.
  const quantised = rows.every((r) => Math.abs(r.ms * 10 - Math.round(r.ms * 10)) < 1e-6);
  const note = `GPU timestamps, one compute pass per kernel, iteration ${run.m.step.toLocaleString('en-US')}.${quantised ? ' The browser rounds them to 100 µs: enable chrome://flags/#enable-webgpu-developer-features for full resolution.' : ''}`;
  post({ type: 'profile', step: run.m.step, rows, note });
}

export async function scoreGenerator(gpu: Gpu, g: Sequential, extras: Extras, r: Extract<Request, { type: 'score' }>, step: number, post: (r: Reply) => void): Promise<void> {
  const t0 = performance.now();
  judge ??= await fetchJudge(gpu, r.judgeUrl, r.statsUrl);
  extras.scorer ??= await GeneratorScorer.create(gpu, judge.judge, g, 1);
  const score = await extras.scorer.score(r.n, judge.stats);
  post({ type: 'score', which: r.which, step, score, seconds: (performance.now() - t0) / 1000 });
}
