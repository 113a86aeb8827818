// How the harness times kernels. With the 'timestamp-query' feature, the project's
// KernelProfiler (src/kernels/profiler.ts): every kernel in a compute pass of its own whose
// beginning and end the GPU stamps, the work submitted as one command buffer. Without it,
// wall clock: one kernel encoded `dispatches` times in one pass, submitted, waited for with
// onSubmittedWorkDone, the time divided by `dispatches` (so it includes a share of the submit
// and the wait: labelled as such in the output).

import type { Gpu } from '../../src/kernels/gpu';
import type { Kernel } from '../../src/kernels/kernel';
import { KernelProfiler } from '../../src/kernels/profiler';

export type ClockKind = 'timestamp-query' | 'wall-clock';

export interface Work {
  group: string;
  kernels: readonly Kernel[];
}

export function clockOf(gpu: Gpu, force: 'auto' | 'wall'): ClockKind {
  return force === 'auto' && gpu.hasTimestamps ? 'timestamp-query' : 'wall-clock';
}

/**
 * Runs `work` warmup + repeat times; returns, for each kernel in order, its `repeat` times in ms.
 * `onRound` is told after each round (progress on slow adapters).
 */
export async function timeWork(
  gpu: Gpu,
  work: readonly Work[],
  opts: { clock: ClockKind; warmup: number; repeat: number; dispatches: number; onRound?: (round: number, of: number, ms: number) => void },
): Promise<number[][]> {
  const all = work.flatMap((w) => w.kernels);
  const samples: number[][] = all.map(() => []);
  const rounds = opts.warmup + opts.repeat;
  if (opts.clock === 'timestamp-query') {
    const profiler = new KernelProfiler(gpu, all.length);
    try {
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        const times = await profiler.time(work);
        if (r >= opts.warmup) times.forEach((t, i) => samples[i].push(t.ms));
        opts.onRound?.(r + 1, rounds, performance.now() - t0);
      }
    } finally {
      profiler.destroy();
    }
  } else {
    const d = gpu.device;
    for (let r = 0; r < rounds; r++) {
      const r0 = performance.now();
      for (const [i, k] of all.entries()) {
        const t0 = performance.now();
        const enc = d.createCommandEncoder({ label: `time ${k.name}` });
        const pass = enc.beginComputePass({ label: k.name });
        for (let j = 0; j < opts.dispatches; j++) k.encode(pass);
        pass.end();
        d.queue.submit([enc.finish()]);
        await d.queue.onSubmittedWorkDone();
        if (r >= opts.warmup) samples[i].push((performance.now() - t0) / opts.dispatches);
      }
      gpu.check();
      opts.onRound?.(r + 1, rounds, performance.now() - r0);
    }
  }
  return samples;
}
