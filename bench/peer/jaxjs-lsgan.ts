// The benchmark's second peer: the same LSGAN (shared/SPEC.md) written as a jax-js user would
// write it (npm @jax-js/jax, JAX in JavaScript): parameters as pytrees, a loss function per
// update, valueAndGrad, jit on each of the three updates (and on generator.predict and the
// real-batch gather), Adam as a pure function of the tree, all on jax-js's WebGPU backend,
// which is handed Dawn's GPU object as `navigator.gpu` (the same WebGPU implementation and
// adapter as our kernels; jax-js requests its own device, as TF.js does).
//
// Honesty rules as for the TF.js peer: the backend must be jax-js's 'webgpu' (we throw with
// the reason otherwise, never fall back to Wasm), data lives on the device, the three updates
// are sequential and each sees the previous one's weights.
//
// Deviations from SPEC.md (none changes the amount of work, except where said):
// - RNG: jax-js's threefry keys (random.key/split/normal/randint): different streams from
//   Keras/NumPy and from ours. Weights are RandomNormal(0, 0.02) as Keras, biases zero.
// - Layout: jax-js's lax.convGeneralDilated has no dimension_numbers; it is NCHW with OIHW
//   kernels, so activations are NCHW and kernels are Keras's layouts permuted (Conv2D
//   [out, in, kh, kw]; Conv2DTranspose [in, out, kh, kw]). Flatten (D) and Reshape (G) follow
//   NCHW order, so the two Dense layers' weights are a fixed permutation of Keras's: the same
//   function class, the same initial distribution, the same work.
// - Conv2DTranspose 'same' stride 2 is lax.convTranspose(x, k, [2, 2], 'SAME',
//   { transposeKernel: true }), kernel [in, out, kh, kw]: it equals the VJP of
//   lax.convGeneralDilated(., k, [2, 2], 'SAME'), i.e. the adjoint of the 'same' Conv2D, which is
//   Keras's definition (tests/jaxjs-peer.node.test.ts checks it; at 4x4 stride 2, 7 -> 14, the
//   difference was exactly 0). jax's 'SAME' is TF's/Keras's (pad_before = floor(total / 2)).
// - Adam is written out (Keras's form, epsilon-hat 1e-7, step count kept on the device as an
//   f32 scalar, b^t as exp(t ln b)) rather than @jax-js/optax's adam, which adds epsilon to
//   sqrt(v_hat) (as TF.js does) and is a separate package.
// - BatchNormalization is tf.keras's exactly (SPEC.md), including the unbiased batch variance
//   for the moving variance after convolutions and the biased one after G's Dense.
// - Real images are drawn with replacement by random.randint on the device and gathered inside
//   a jitted function. The set is stored as f32 in chunks that fit maxStorageBufferBindingSize
//   (lavapipe: 128 MiB, so 2 chunks for 60,000 images): each chunk is gathered with clamped indices
//   and masked, i.e. (chunks x batch/2) rows gathered instead of batch/2 (2 x 32 x 784 values
//   at batch 64: negligible).
// - The three losses are read back once per iteration, after the three updates are queued
//   (jax-js dispatches asynchronously, as JAX does), where Keras reads each loss after its
//   train_on_batch. The updates still run in order, each on the previous one's results.
// - jax-js's backend is process-wide: initialised once, on the first GPU object given; later
//   peers reuse it (the harness gives the same GPU object to every peer).
// - In Node 20 there is no `navigator`: one is made with Dawn's GPU object and a `userAgent`
//   (jax-js's WebGPU backend reads navigator.userAgent when it starts, and fails without it).

import { defaultDevice, getWebGPUDevice, init, jit, numpy as np, random, tree } from '@jax-js/jax';
import { adamInit, dUpdate, ganUpdate, initialModel, predict, type DParams, type GanParams, type GParams } from './jaxjs-model';
import { installNavigatorGpu, type LsganPeer, type PeerLosses, type PeerOptions } from './peer-types';

/** The package version this peer was written and checked against (tests/jaxjs-peer.node.test.ts compares it with node_modules). */
export const JAXJS_VERSION = '0.1.25';

// ---- the backend ----

interface Backend {
  /** The GPU object jax-js was given, kept referenced: Dawn tears its instance down when the object is collected. */
  gpu: GPU;
  device: GPUDevice;
  adapterName: string;
  errors: string[];
}
let backend: Backend | null = null;

/** jax-js's WebGPU backend on `gpu`; throws with jax-js's own error text when it cannot start. */
async function useWebGpu(gpu: GPU): Promise<Backend> {
  if (backend !== null) return backend;
  installNavigatorGpu(gpu);
  // init() swallows a failed requestDevice (console.error, then no 'webgpu'): keep the text.
  const said: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void said.push(a.map((x) => (x instanceof Error ? x.message : String(x))).join(' '));
  let devices: string[];
  try {
    devices = await init('webgpu');
  } finally {
    console.error = orig;
  }
  if (!devices.includes('webgpu')) {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    throw new Error(`jax-js's WebGPU backend did not start on this GPU object (init('webgpu') gave ${devices.join(', ')}; ${adapter === null ? 'requestAdapter returned null' : said.join('; ') || 'no error reported'})`);
  }
  defaultDevice('webgpu');
  const device = getWebGPUDevice();
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo ?? (await gpu.requestAdapter({ powerPreference: 'high-performance' }))?.info;
  const b: Backend = { gpu, device, adapterName: info ? info.description || [info.vendor, info.architecture, info.device].filter((s) => s).join(' ') || 'unknown adapter' : 'unknown adapter', errors: [] };
  device.addEventListener('uncapturederror', (ev) => b.errors.push((ev as GPUUncapturedErrorEvent).error.message));
  backend = b;
  return b;
}

export interface JaxjsLsgan extends LsganPeer {
  /** 'webgpu' when jax-js's default device is WebGPU (it always is here: we throw otherwise). */
  readonly device: string;
  /** Copies of the current weights, for tests (the caller disposes them). */
  weights(): { d: DParams; g: GParams };
  /** Runs only the composite update on fresh latent points, for tests. */
  ganStep(): Promise<number>;
}

export async function createJaxjsLsgan(gpu: GPU, opts: PeerOptions): Promise<JaxjsLsgan> {
  const batch = opts.batch, half = Math.floor(batch / 2), latent = opts.latent ?? 100;
  if (!(half >= 1)) throw new Error(`batch ${batch}: need at least 2`);
  const count = Math.floor(opts.images.length / 784);
  if (count < 1 || count * 784 !== opts.images.length) throw new Error(`images: ${opts.images.length} bytes is not a whole number of 28x28 images`);
  const be = await useWebGpu(gpu);
  const check = () => {
    if (be.errors.length > 0) throw new Error(`WebGPU error in jax-js's backend on ${be.adapterName}: ${be.errors.splice(0).join('; ')}`);
  };

  // Parameters, statistics and Adam moments: pytrees.
  let { dp, ds, gp, gs, key } = initialModel(opts.seed ?? 1, latent);
  const size = (t: object) => (tree.leaves(t as never) as np.Array[]).reduce((a, x) => a + x.size, 0);
  const counts = { d: size(dp), g: size(gp) };
  let dOpt = adamInit(dp);
  let ganOpt = adamInit<GanParams>({ g: gp, dbn: dp.bn });

  // The images on the device, scaled to [-1, 1], NCHW, in chunks that one binding can hold.
  const maxBinding = Math.min(be.device.limits.maxStorageBufferBindingSize, be.device.limits.maxBufferSize);
  const rowsPerChunk = Math.max(1, Math.min(count, Math.floor(maxBinding / (784 * 4))));
  const chunks: np.Array[] = [];
  for (let start = 0; start < count; start += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, count - start);
    const scaled = new Float32Array(n * 784);
    for (let i = 0; i < scaled.length; i++) scaled[i] = (opts.images[start * 784 + i] - 127.5) / 127.5;
    chunks.push(np.array(scaled).reshape([n, 1, 28, 28]));
  }
  /** randint(0, count, half) and the gather, on the device. */
  const sampleReal = jit((cs: np.Array[], k: np.Array) => {
    const idx = random.randint(k, { minval: 0, maxval: count, shape: [half] });
    if (cs.length === 1) return np.take(cs[0], idx, 0);
    let x = np.zeros([half, 1, 28, 28]);
    for (const [j, c] of cs.entries()) {
      const lo = j * rowsPerChunk, hi = lo + c.shape[0];
      const rows = np.take(c, np.clip(idx.ref.sub(lo), 0, hi - lo - 1), 0);
      const inChunk = np.logicalAnd(idx.ref.greaterEqual(lo), idx.ref.less(hi)).reshape([half, 1, 1, 1]);
      x = x.add(np.where(inChunk, rows, 0));
    }
    idx.dispose();
    return x;
  });
  const ones = np.ones([half, 1]), zeros = np.zeros([half, 1]), onesFull = np.ones([batch, 1]);

  const gan = (k: np.Array): np.Array => {
    let loss: np.Array, tp: GanParams;
    [tp, gs, ds, ganOpt, loss] = ganUpdate({ g: gp, dbn: dp.bn }, gs, tree.ref(dp.w), ds, ganOpt, k, onesFull.ref);
    gp = tp.g;
    dp = { w: dp.w, bn: tp.dbn };
    return loss;
  };
  let disposed = false;
  return {
    library: 'jax-js',
    version: JAXJS_VERSION,
    adapterName: be.adapterName,
    device: defaultDevice(),
    paramCounts: () => ({ ...counts }),
    async trainIteration(): Promise<PeerLosses> {
      if (disposed) throw new Error('disposed');
      // Spread, not destructured: an iterator closed early keeps the split's buffer alive (32 bytes an iteration).
      const [kReal, kFake, kGan, kNext] = [...random.split(key, 4)];
      key = kNext;
      // 1. D on half real, target 1.
      let d1: np.Array, d2: np.Array;
      [dp, ds, dOpt, d1] = dUpdate(dp, ds, dOpt, sampleReal(tree.ref(chunks), kReal), ones.ref);
      // 2. D on half generator.predict (inference mode), target 0.
      const xFake = predict(tree.ref(gp), tree.ref(gs), random.normal(kFake, [half, latent]));
      [dp, ds, dOpt, d2] = dUpdate(dp, ds, dOpt, xFake, zeros.ref);
      // 3. The composite on batch fresh latent points, target 1.
      const g = gan(kGan);
      const [a, b, c] = await Promise.all([d1.data(), d2.data(), g.data()]);
      check();
      return { d1: a[0], d2: b[0], g: c[0] };
    },
    async ganStep() {
      const [k, next] = [...random.split(key, 2)];
      key = next;
      const v = (await gan(k).data())[0];
      check();
      return v;
    },
    async sample(n, s) {
      const data = (await predict(tree.ref(gp), tree.ref(gs), random.normal(random.key(s), [n, latent])).data()) as Float32Array;
      check();
      return data;
    },
    weights: () => ({ d: tree.ref(dp), g: tree.ref(gp) }),
    dispose() {
      if (disposed) return;
      disposed = true;
      tree.dispose([dp, ds, gp, gs, dOpt, ganOpt, key, chunks, ones, zeros, onesFull] as never);
      sampleReal.dispose();
    },
  };
}
