// What every benchmark peer offers (bench/peer/tfjs-lsgan.ts, bench/peer/jaxjs-lsgan.ts): the
// tutorial's iteration (SPEC.md's three updates) with its three losses read back, the models'
// sizes, generator.predict for tests, and what it ran on. The harness (bench/harness/peer.ts)
// treats every peer alike through this interface.

export type PeerId = 'tfjs' | 'jaxjs';

export const PEER_IDS: readonly PeerId[] = ['tfjs', 'jaxjs'];

export interface PeerLosses {
  d1: number;
  d2: number;
  g: number;
}

export interface PeerOptions {
  /** Images per iteration: the discriminator sees batch/2 real and batch/2 fake, the composite batch. */
  batch: number;
  latent?: number;
  seed?: number;
  /** MNIST training images, N*784 uint8 (one channel). */
  images: Uint8Array;
}

export interface LsganPeer {
  /** One iteration: D on batch/2 real (target 1), D on batch/2 generator.predict (target 0), the composite (target 1); resolves once the three losses are read back. */
  trainIteration(): Promise<PeerLosses>;
  /** Trainable parameter counts as Keras reports them (D before freezing; G never frozen). */
  paramCounts(): { d: number; g: number };
  /** generator.predict on fixed latent points (inference mode), n*784 values, for tests. */
  sample(n: number, seed: number): Promise<Float32Array>;
  /** The library and its version ("4.22.0"). */
  readonly library: string;
  readonly version: string;
  /** The adapter the library's WebGPU backend runs on, as Dawn (or the browser) describes it. */
  readonly adapterName: string;
  dispose(): void;
}

export type LsganPeerFactory = (gpu: GPU, opts: PeerOptions) => Promise<LsganPeer>;

/** A small deterministic PRNG (mulberry32), for the peers' host-side random choices. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Points `navigator.gpu` at `gpu` (Dawn's GPU object in Node; a no-op in a browser that has it).
 * Node 20 has no `navigator`: the one made here also carries a `userAgent`, which jax-js's
 * WebGPU backend reads (`navigator.userAgent.includes(...)`) when it starts.
 */
export function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU; userAgent?: string } };
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'Node.js' }, configurable: true, writable: true });
  else {
    if (g.navigator.gpu !== gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
    if (typeof g.navigator.userAgent !== 'string') Object.defineProperty(g.navigator, 'userAgent', { value: 'Node.js', configurable: true, writable: true });
  }
}
