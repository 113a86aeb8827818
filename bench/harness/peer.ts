// The peer: the same LSGAN written with TensorFlow.js on its WebGPU backend
// (bench/peer/tfjs-lsgan.ts), on the same WebGPU implementation and adapter, timed per
// iteration. trainOnBatch reads each loss back (as Keras does), so every iteration is waited
// for and the times are independent. The module is handed in by the entry (a static import in
// Node, a dynamic one in the browser), so nothing here loads TF.js.

import type { TfjsLsgan, TfjsLsganOptions } from '../peer/tfjs-lsgan';
import { spread } from './stats';
import type { PeerRun } from './types';

export type PeerFactory = (gpu: GPU, opts: TfjsLsganOptions) => Promise<TfjsLsgan>;

export interface PeerOptions {
  warmup: number;
  iterations: number;
  seed: number;
  log: (line: string) => void;
}

export async function benchPeer(factory: PeerFactory, gpu: GPU, images: Uint8Array, batch: number, o: PeerOptions): Promise<PeerRun & { tfjsVersion: string; adapterName: string }> {
  const peer = await factory(gpu, { batch, seed: o.seed, images });
  try {
    let last: PeerRun['lastLosses'] = null;
    const ms: number[] = [];
    for (let i = 0; i < o.warmup + o.iterations; i++) {
      const t0 = performance.now();
      last = await peer.trainIteration();
      const t = performance.now() - t0;
      if (i >= o.warmup) ms.push(t);
      o.log(`  peer batch ${batch} ${i < o.warmup ? `warm-up ${i + 1}/${o.warmup}` : `iteration ${i - o.warmup + 1}/${o.iterations}`}: ${t.toFixed(1)} ms`);
    }
    return { batch, warmup: o.warmup, iterations: o.iterations, ms: spread(ms), lastLosses: last, tfjsVersion: peer.tfjsVersion, adapterName: peer.adapterName };
  } finally {
    peer.dispose();
  }
}
