// Where a training iteration's time goes, kernel by kernel, on the adapter found (Node +
// Dawn). Each kernel of the recorded iteration runs alone, `--repeat` times between two
// waits for the queue, after a warm-up: wall-clock per dispatch, so on a real GPU it
// includes submit overhead (timestamp queries come with the benchmark harness).
//   node dist-node/profile.mjs [--batch 64] [--repeat 3] [--adapter auto|lavapipe|swiftshader]

import { parseArgs } from 'node:util';
import { createNodeGpu } from '../src/kernels/device-node';
import { runKernels } from '../src/kernels/kernel';
import { Lsgan, TUTORIAL } from '../src/lsgan/lsgan';
import { loadMnistImages } from '../src/lsgan/mnist-node';

const { values: v } = parseArgs({ options: { batch: { type: 'string' }, repeat: { type: 'string' }, adapter: { type: 'string' } } });
const batch = Number(v.batch ?? 64), repeat = Number(v.repeat ?? 3);
const gpu = await createNodeGpu({ prefer: (v.adapter ?? 'auto') as 'auto' });
console.log(`adapter: ${gpu.adapter.name}; batch ${batch}`);
const m = await Lsgan.create(gpu, { ...TUTORIAL, batch }, loadMnistImages());
await m.trainStep();
await m.flush();

const rows: Array<{ phase: string; name: string; ms: number; flops: number; bytes: number }> = [];
for (const phase of m.phases) {
  for (const k of phase.kernels) {
    runKernels(gpu, [k]);
    await gpu.device.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    for (let i = 0; i < repeat; i++) runKernels(gpu, [k]);
    await gpu.device.queue.onSubmittedWorkDone();
    rows.push({ phase: phase.name, name: k.name, ms: (performance.now() - t0) / repeat, flops: k.flops, bytes: k.bytes });
  }
}
gpu.check();
const total = rows.reduce((a, r) => a + r.ms, 0);
rows.sort((a, b) => b.ms - a.ms);
console.log(`sum of kernels: ${total.toFixed(1)} ms per iteration (${rows.length} dispatches)`);
console.log('   ms   share  GFLOP/s   GB/s  phase    kernel');
for (const r of rows.slice(0, 30)) {
  console.log(`${r.ms.toFixed(2).padStart(7)} ${((100 * r.ms) / total).toFixed(1).padStart(5)}% ${(r.flops / r.ms / 1e6).toFixed(2).padStart(8)} ${(r.bytes / r.ms / 1e6).toFixed(2).padStart(6)}  ${r.phase.padEnd(8)} ${r.name}`);
}
m.destroy();
process.exit(0);
