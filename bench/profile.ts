// Where a training iteration's time goes, kernel by kernel, on the adapter found (Node +
// Dawn). The recorded iteration is replayed `--repeat` times after a warm-up; each kernel's
// time is the median over the repeats: GPU time from timestamp queries where the adapter has
// them (each kernel then runs in a pass of its own), else wall-clock around single dispatches
// (labelled as such, and including submit overhead).
//   node dist-node/profile.mjs [--batch 64] [--repeat 3] [--adapter auto|lavapipe|swiftshader]

import { parseArgs } from 'node:util';
import { createNodeGpu } from '../src/kernels/device-node';
import { runKernels, type Kernel } from '../src/kernels/kernel';
import { KernelProfiler } from '../src/kernels/profiler';
import { Lsgan, TUTORIAL } from '../src/lsgan/lsgan';
import { loadMnistImages } from '../src/lsgan/mnist-node';

const { values: v } = parseArgs({ options: { batch: { type: 'string' }, repeat: { type: 'string' }, adapter: { type: 'string' } } });
const batch = Number(v.batch ?? 64), repeat = Number(v.repeat ?? 3);
const gpu = await createNodeGpu({ prefer: (v.adapter ?? 'auto') as 'auto' });
const m = await Lsgan.create(gpu, { ...TUTORIAL, batch }, loadMnistImages());
await m.trainStep();
await m.flush();

const work = m.phases.map((p) => ({ group: p.name, kernels: p.kernels }));
const count = m.kernelCount;
const samples: number[][] = Array.from({ length: count }, () => []);
const clock = gpu.hasTimestamps ? 'GPU timestamps' : 'wall clock per dispatch';
console.log(`adapter: ${gpu.adapter.name}; batch ${batch}; ${count} dispatches; ${clock}; median of ${repeat}`);
if (gpu.hasTimestamps) {
  const profiler = new KernelProfiler(gpu, count);
  for (let r = 0; r < repeat; r++) (await profiler.time(work)).forEach((t, i) => samples[i].push(t.ms));
  profiler.destroy();
} else {
  const all: Kernel[] = work.flatMap((w) => w.kernels);
  for (let r = 0; r < repeat; r++) {
    for (const [i, k] of all.entries()) {
      const t0 = performance.now();
      runKernels(gpu, [k]);
      await gpu.device.queue.onSubmittedWorkDone();
      samples[i].push(performance.now() - t0);
    }
  }
}
gpu.check();

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const rows = work.flatMap((w) => w.kernels.map((k) => ({ phase: w.group, k }))).map((r, i) => ({ ...r, ms: median(samples[i]) }));
const total = rows.reduce((a, r) => a + r.ms, 0);
const byPhase = new Map<string, number>();
for (const r of rows) byPhase.set(r.phase, (byPhase.get(r.phase) ?? 0) + r.ms);
console.log(`sum of kernels: ${total.toFixed(2)} ms per iteration; by phase: ${[...byPhase].map(([p, ms]) => `${p} ${ms.toFixed(2)} ms (${((100 * ms) / total).toFixed(0)}%)`).join(', ')}`);
console.log('      ms  share  GFLOP/s    GB/s  phase    kernel');
for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, 40)) {
  console.log(`${r.ms.toFixed(3).padStart(8)} ${((100 * r.ms) / total).toFixed(1).padStart(5)}% ${(r.k.flops / r.ms / 1e6).toFixed(2).padStart(8)} ${(r.k.bytes / r.ms / 1e6).toFixed(2).padStart(7)}  ${r.phase.padEnd(8)} ${r.k.name}`);
}
m.destroy();
process.exit(0);
