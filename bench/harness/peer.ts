// The peers: the same LSGAN in TensorFlow.js (bench/peer/tfjs-lsgan.ts) and in jax-js
// (bench/peer/jaxjs-lsgan.ts), each on its library's WebGPU backend, on the same WebGPU
// implementation and adapter as ours. A contestant of interleave.ts at each batch: built and
// warmed up once, then timed round by round between our own rounds. Every iteration reads its
// losses back (Keras does; jax-js once per iteration), so iterations are timed one by one. The
// factories are handed in by the entry (static imports in Node, dynamic ones in the browser),
// so nothing here loads a peer library.

import { PEER_IDS, type LsganPeer, type LsganPeerFactory, type PeerId } from '../peer/peer-types';
import type { Contestant } from './interleave';
import { spread } from './stats';
import type { PeerRun, PeerSection } from './types';

export type PeerFactories = Partial<Record<PeerId, () => Promise<LsganPeerFactory>>>;

export const PEER_WHAT: Record<PeerId, { library: string; what: string }> = {
  tfjs: {
    library: 'TensorFlow.js',
    what: "bench/peer/tfjs-lsgan.ts: SPEC.md's LSGAN in TensorFlow.js layers on @tensorflow/tfjs-backend-webgpu, same WebGPU implementation and adapter; each iteration timed from the first trainOnBatch to the third loss read back",
  },
  jaxjs: {
    library: 'jax-js',
    what: "bench/peer/jaxjs-lsgan.ts: SPEC.md's LSGAN in jax-js (pytrees, valueAndGrad, jit on each update, Keras's Adam) on jax-js's WebGPU backend, same WebGPU implementation and adapter; each iteration timed from the first update to the three losses read back",
  },
};

/** Every known peer's section, not run yet (the reason is filled in by run.ts if it stays so). */
export function peerSections(): PeerSection[] {
  return PEER_IDS.map((id) => ({ id, library: PEER_WHAT[id].library, version: null, ran: false, reason: null, what: PEER_WHAT[id].what, adapterName: null, runs: [] }));
}

export interface PeerBenchOptions {
  warmup: number;
  iterations: number;
  seed: number;
  log: (line: string) => void;
}

export class PeerAtBatch implements Contestant {
  readonly name: PeerId;
  private readonly ms: number[] = [];
  private readonly roundMs: number[] = [];
  private readonly warmupMs: number[] = [];
  private last: PeerRun['lastLosses'] = null;

  private constructor(
    readonly id: PeerId,
    readonly peer: LsganPeer,
    private readonly batch: number,
    private readonly o: PeerBenchOptions,
    private readonly setupMs: number,
  ) {
    this.name = id;
  }

  /** Builds the peer and runs its warm-up (jax-js compiles its jitted steps in the first iteration). */
  static async create(id: PeerId, factory: LsganPeerFactory, gpu: GPU, images: Uint8Array, batch: number, o: PeerBenchOptions): Promise<PeerAtBatch> {
    const t0 = performance.now();
    const peer = await factory(gpu, { batch, seed: o.seed, images });
    const c = new PeerAtBatch(id, peer, batch, o, performance.now() - t0);
    try {
      for (let i = 0; i < o.warmup; i++) {
        const t = performance.now();
        c.last = await peer.trainIteration();
        c.warmupMs.push(performance.now() - t);
        o.log(`  ${id} batch ${batch} warm-up ${i + 1}/${o.warmup}: ${c.warmupMs[i].toFixed(1)} ms`);
      }
      return c;
    } catch (e) {
      c.destroy();
      throw e;
    }
  }

  async round(): Promise<number> {
    let sum = 0;
    for (let i = 0; i < this.o.iterations; i++) {
      const t0 = performance.now();
      this.last = await this.peer.trainIteration();
      const t = performance.now() - t0;
      this.ms.push(t);
      sum += t;
    }
    this.roundMs.push(sum / this.o.iterations);
    this.o.log(`  ${this.id} batch ${this.batch} round ${this.roundMs.length}: ${(sum / this.o.iterations).toFixed(1)} ms per iteration over ${this.o.iterations}`);
    return sum / this.o.iterations;
  }

  get rounds(): readonly number[] {
    return this.roundMs;
  }

  result(): PeerRun {
    return {
      batch: this.batch, warmup: this.o.warmup, iterations: this.o.iterations, rounds: this.roundMs.length,
      ms: spread(this.ms), perRoundMs: [...this.roundMs], setupMs: this.setupMs, warmupMs: [...this.warmupMs], lastLosses: this.last,
    };
  }

  destroy(): void {
    this.peer.dispose();
  }
}
