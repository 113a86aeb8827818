// The peers' timing entries (run-tfjs.ts, run-jaxjs.ts): the tutorial's iteration in a peer
// library on its WebGPU backend, on the adapter our own CLI would pick (Dawn through
// createNodeGpu), so both are timed alike.
//   node dist-node/peer.mjs|peer-jaxjs.mjs [--batch 64] [--iterations 3] [--warmup 2] [--seed 1] [--adapter auto|lavapipe|swiftshader]
// Prints ms per iteration (median, min, max; wall clock up to the three losses read back) and
// each iteration's losses.

import { parseArgs } from 'node:util';
import { createNodeGpu } from '../../src/kernels/device-node';
import { loadMnistImages } from '../../src/lsgan/mnist-node';
import type { LsganPeerFactory } from './peer-types';

export async function runPeerCli(factory: LsganPeerFactory): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      batch: { type: 'string' },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      adapter: { type: 'string' },
    },
  });
  const batch = Number(v.batch ?? 64), iterations = Number(v.iterations ?? 3), warmup = Number(v.warmup ?? 2);
  const seed = Number(v.seed ?? 1);
  const prefer = (v.adapter ?? 'auto') as 'auto' | 'lavapipe' | 'swiftshader';
  for (const [k, n] of Object.entries({ batch, iterations, warmup, seed })) {
    if (!Number.isInteger(n) || n < (k === 'warmup' ? 0 : 1)) throw new Error(`--${k} ${n}: expected a positive integer`);
  }
  // createNodeGpu chooses the adapter (and VK_ICD_FILENAMES, read when Dawn's instance is
  // created) and installs Dawn's WebGPU globals; the peer then asks the same GPU object for its
  // own device. Our device is not needed, but the Gpu object stays referenced: Dawn tears the
  // instance down when its GPU object is collected.
  const ours = await createNodeGpu({ prefer });
  const mnist = loadMnistImages();
  const t0 = performance.now();
  const peer = await factory(ours.instance, { batch, seed, images: mnist.pixels });
  console.log(`${peer.library} ${peer.version} webgpu backend on ${peer.adapterName} (ours picked ${ours.adapter.name}); batch ${batch}, ${mnist.count} images; set up in ${(performance.now() - t0).toFixed(0)} ms`);
  const p = peer.paramCounts();
  console.log(`trainable parameters: D ${p.d}, G ${p.g}`);
  for (let i = 0; i < warmup; i++) {
    const t = performance.now();
    const l = await peer.trainIteration();
    console.log(`warm-up ${i + 1}: ${(performance.now() - t).toFixed(1)} ms, d1=${l.d1.toFixed(3)}, d2=${l.d2.toFixed(3)} g=${l.g.toFixed(3)}`);
  }
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    const l = await peer.trainIteration();
    ms.push(performance.now() - t);
    console.log(`>${i + 1}, d1=${l.d1.toFixed(3)}, d2=${l.d2.toFixed(3)} g=${l.g.toFixed(3)}  (${ms[i].toFixed(1)} ms)`);
  }
  const s = [...ms].sort((a, b) => a - b);
  const median = s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  console.log(`ms per iteration: median ${median.toFixed(1)}, min ${s[0].toFixed(1)}, max ${s[s.length - 1].toFixed(1)} (${iterations} iterations after ${warmup} warm-up, batch ${batch})`);
  peer.dispose();
  ours.destroy();
}
