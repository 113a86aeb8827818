// The benchmark's peer: the same LSGAN (shared/SPEC.md) written the ordinary way, with
// TensorFlow.js layers on its WebGPU backend, driven through the same Dawn GPU object as our
// own kernels, so `ms per iteration` compares two implementations on one adapter.
//
// Honesty rules: the backend must be TF.js's 'webgpu' one (we throw otherwise; no silent fall
// back to tfjs's CPU backend), data lives on the device, and the iteration is the tutorial's
// three train_on_batch calls. Where TF.js cannot do what tf.keras does, we say so below.
//
// Known differences from tf.keras that do not change the amount of work:
// - BatchNormalization updates the moving variance from the biased batch variance for every
//   layer (tf.keras uses the unbiased one after convolutions, see SPEC.md).
// - TF.js's Adam adds epsilon to sqrt(v_hat) instead of Keras's epsilon-hat form.
// - TF.js's WebGPU backend keeps its default WEBGPU_CPU_FORWARD: ops whose inputs are all
//   small (< 1000 elements) and not yet uploaded (scalars, the 32 gather indices) may run on
//   its CPU kernels. Everything touching weights or images runs on the GPU. This is how TF.js
//   ships, so the peer is timed with it.

import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { installNavigatorGpu, mulberry32, type LsganPeer, type PeerOptions } from './peer-types';

export type TfjsLsganOptions = PeerOptions;

export interface TfjsLsgan extends LsganPeer {
  /** The three tf.layers models, for tests (the composite's flags are as after an iteration). */
  readonly models: { d: tf.Sequential; g: tf.Sequential; gan: tf.Sequential };
  /** TF.js's version, for the runner: a dynamic import of TF.js from the bundled entry (top-level
   *  await) never settled and Node exited with code 13, so the runner imports nothing from TF.js. */
  readonly tfjsVersion: string;
}

interface BackendInfo {
  adapterName: string;
  /** Largest storage buffer one TF.js tensor may be (it binds whole buffers). */
  maxBinding: number;
  /** Uncaptured WebGPU errors: TF.js does not listen for them, and a failed buffer can leave
   *  a read-back waiting for ever, so we collect them and fail loudly. */
  errors: string[];
}

/**
 * Points TF.js's 'webgpu' backend at `gpu` (Dawn's GPU object) and makes it the active backend.
 * The package registers its own factory at import time only if `navigator.gpu` already exists
 * then (never the case in Node with static imports), and that factory would ask
 * `navigator.gpu` for an adapter anyway; so we register our own factory doing the same as
 * TF.js's (same features and limits) on the GPU we were given.
 */
async function useWebGpuBackend(gpu: GPU): Promise<BackendInfo> {
  if (typeof (globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage === 'undefined') {
    throw new Error("TF.js's WebGPU backend needs the WebGPU globals (GPUBufferUsage, GPUMapMode, ...): install Dawn's `globals` first (createNodeGpu does)");
  }
  // WebGPUBackend's constructor checks `navigator.gpu` (webgpu_util.isWebGPUSupported).
  installNavigatorGpu(gpu);

  const info: BackendInfo = { adapterName: 'unknown adapter', maxBinding: 0, errors: [] };
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (adapter === null) throw new Error('Dawn returned no WebGPU adapter');
      const requiredFeatures: GPUFeatureName[] = [];
      if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        },
      });
      const i = adapter.info;
      info.adapterName = i.description || [i.vendor, i.architecture, i.device].filter((s) => s).join(' ') || info.adapterName;
      info.maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
      device.addEventListener('uncapturederror', (ev) => info.errors.push((ev as GPUUncapturedErrorEvent).error.message));
      return new WebGPUBackend(device, adapter.info);
    },
    3,
  );
  // setBackend swallows the factory's error (a console warning) and answers false.
  const ok = await tf.setBackend('webgpu');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'webgpu') throw new Error(`TF.js's WebGPU backend did not initialise on Dawn (active backend: ${tf.getBackend()})`);
  return info;
}

export async function createTfjsLsgan(gpu: GPU, opts: TfjsLsganOptions): Promise<TfjsLsgan> {
  const batch = opts.batch, half = Math.floor(batch / 2), latent = opts.latent ?? 100;
  let seed = opts.seed ?? 1;
  if (!(half >= 1)) throw new Error(`batch ${batch}: need at least 2`);
  const count = Math.floor(opts.images.length / 784);
  if (count < 1 || count * 784 !== opts.images.length) throw new Error(`images: ${opts.images.length} bytes is not a whole number of 28x28 images`);

  const backend = await useWebGpuBackend(gpu);
  const check = () => {
    if (backend.errors.length > 0) throw new Error(`WebGPU error in TF.js's backend on ${backend.adapterName}: ${backend.errors.splice(0).join('; ')}`);
  };
  const init = () => tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: seed++ });
  const bn = () => tf.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 });
  const adam = () => tf.train.adam(0.0002, 0.5, 0.999, 1e-7);

  // Discriminator: SPEC.md's table, in order.
  const d = tf.sequential({ name: 'discriminator' });
  d.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 64, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init() }));
  d.add(bn());
  d.add(tf.layers.leakyReLU({ alpha: 0.2 }));
  d.add(tf.layers.conv2d({ filters: 128, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init() }));
  d.add(bn());
  d.add(tf.layers.leakyReLU({ alpha: 0.2 }));
  d.add(tf.layers.flatten());
  d.add(tf.layers.dense({ units: 1, activation: 'linear', kernelInitializer: init() }));
  const dOpt = adam();
  d.compile({ loss: 'meanSquaredError', optimizer: dOpt });

  // Generator: never compiled on its own.
  const g = tf.sequential({ name: 'generator' });
  g.add(tf.layers.dense({ inputShape: [latent], units: 256 * 7 * 7, kernelInitializer: init() }));
  g.add(bn());
  g.add(tf.layers.reLU());
  g.add(tf.layers.reshape({ targetShape: [7, 7, 256] }));
  g.add(tf.layers.conv2dTranspose({ filters: 128, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init() }));
  g.add(bn());
  g.add(tf.layers.reLU());
  g.add(tf.layers.conv2dTranspose({ filters: 64, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init() }));
  g.add(bn());
  g.add(tf.layers.reLU());
  g.add(tf.layers.conv2d({ filters: 1, kernelSize: 7, padding: 'same', activation: 'tanh', kernelInitializer: init() }));

  const size = (ws: tf.LayerVariable[]) => ws.reduce((a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1), 0);
  const counts = { d: size(d.trainableWeights), g: size(g.trainableWeights) };

  // The composite, as the January 2021 tutorial: every discriminator layer but
  // BatchNormalization frozen, then compiled with its own Adam. TF.js captures the trainable
  // list at compile time like tf.keras, but tf.variableGrads also drops variables whose flag is
  // false at the time of the call; so to keep tf.keras's "d_model still trains every weight"
  // we set the flags back for d's own updates and clear them for the composite's.
  const frozen = d.layers.filter((l) => l.getClassName() !== 'BatchNormalization' && l.weights.length > 0);
  const freeze = (on: boolean) => {
    for (const l of frozen) l.trainable = !on;
  };
  freeze(true);
  const gan = tf.sequential({ name: 'gan' });
  gan.add(g);
  gan.add(d);
  const ganOpt = adam();
  gan.compile({ loss: 'meanSquaredError', optimizer: ganOpt });

  // Data on the device once: all images scaled to [-1, 1], NHWC. TF.js binds a tensor's
  // whole buffer, and 60,000 float images (188 MB) pass lavapipe's 128 MiB
  // maxStorageBufferBindingSize, so the set is split into chunks that fit (one on big GPUs).
  const rowsPerChunk = Math.max(1, Math.min(count, Math.floor(backend.maxBinding / (784 * 4))));
  const chunks: tf.Tensor4D[] = [];
  for (let start = 0; start < count; start += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, count - start);
    const scaled = new Float32Array(n * 784);
    for (let i = 0; i < scaled.length; i++) scaled[i] = (opts.images[start * 784 + i] - 127.5) / 127.5;
    chunks.push(tf.tensor4d(scaled, [n, 28, 28, 1]));
  }
  const ones = tf.ones([half, 1]), zeros = tf.zeros([half, 1]), onesFull = tf.ones([batch, 1]);
  const rand = mulberry32(seed++);
  let noiseSeed = seed++ * 1_000_003;
  const latentPoints = (n: number) => tf.randomNormal([n, latent], 0, 1, 'float32', noiseSeed++);

  const loss = (v: number | number[]) => (Array.isArray(v) ? v[0] : v);
  let disposed = false;

  return {
    adapterName: backend.adapterName,
    library: 'TensorFlow.js',
    version: tf.version.tfjs,
    tfjsVersion: tf.version.tfjs,
    models: { d, g, gan },
    paramCounts: () => ({ ...counts }),
    async trainIteration() {
      if (disposed) throw new Error('disposed');
      // 1. Real half, with replacement (randint(0, N, half)).
      // Rows come out grouped by chunk: a sample with replacement is exchangeable, and the
      // batch statistics and the mean loss do not depend on the order.
      const perChunk: number[][] = chunks.map(() => []);
      for (let i = 0; i < half; i++) {
        const r = Math.floor(rand() * count);
        perChunk[Math.floor(r / rowsPerChunk)].push(r % rowsPerChunk);
      }
      const xReal = tf.tidy(() => {
        const parts = chunks.flatMap((c, j) => (perChunk[j].length === 0 ? [] : [tf.gather(c, tf.tensor1d(perChunk[j], 'int32'))]));
        return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
      });
      freeze(false);
      const d1 = loss(await d.trainOnBatch(xReal, ones));
      xReal.dispose();
      // 2. Fake half from generator.predict (inference mode).
      const xFake = tf.tidy(() => g.predict(latentPoints(half)) as tf.Tensor);
      const d2 = loss(await d.trainOnBatch(xFake, zeros));
      xFake.dispose();
      // 3. The composite on fresh latent points, targets 1, discriminator weights frozen.
      freeze(true);
      const z = latentPoints(batch);
      const gl = loss(await gan.trainOnBatch(z, onesFull));
      z.dispose();
      check();
      return { d1, d2, g: gl };
    },
    async sample(n, s) {
      const out = tf.tidy(() => g.predict(tf.randomNormal([n, latent], 0, 1, 'float32', s)) as tf.Tensor);
      const data = (await out.data()) as Float32Array;
      out.dispose();
      check();
      return data;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose([...chunks, ones, zeros, onesFull]);
      // Optimizers passed in as objects are not owned (so not disposed) by their models.
      dOpt.dispose();
      ganOpt.dispose();
      // Disposing the composite releases g and d through it (layer reference counts).
      gan.dispose();
    },
  };
}
