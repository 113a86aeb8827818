import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import { createTfjsLsgan } from '../bench/peer/tfjs-lsgan';
import { createNodeGpu } from '../src/kernels/device-node';

// The benchmark's peer (TF.js layers on TF.js's WebGPU backend, through Dawn) must be the same
// model as SPEC.md and must really run on WebGPU: small batch, a few synthetic digits, so it
// stays quick on a CPU Vulkan driver.
test('TF.js peer: SPEC.md parameter counts, webgpu backend, two finite iterations that move G', async () => {
  const gpu = await createNodeGpu();
  const images = new Uint8Array(40 * 784);
  for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
  const peer = await createTfjsLsgan(gpu.instance, { batch: 4, seed: 3, images });
  try {
    expect(tf.getBackend()).toBe('webgpu');
    expect(peer.paramCounts()).toEqual({ d: 138_945, g: 1_951_105 });
    const before = await peer.sample(2, 11);
    const tensorsAfterFirst: number[] = [];
    for (let i = 0; i < 2; i++) {
      const l = await peer.trainIteration();
      for (const x of [l.d1, l.d2, l.g]) expect(Number.isFinite(x)).toBe(true);
      tensorsAfterFirst.push(tf.memory().numTensors);
    }
    // Memory is flat: an iteration leaves no tensors behind.
    expect(tensorsAfterFirst[1]).toBe(tensorsAfterFirst[0]);
    // Freezing as tf.keras: d's own updates move its conv kernels, the composite's do not
    // (but do move d's BatchNormalization gamma).
    const { d, gan } = peer.models;
    const read = async (name: string) => Array.from(await d.getWeights()[d.weights.findIndex((w) => w.name.includes(name))].data());
    const k0 = await read('conv2d'), gamma0 = await read('gamma');
    await gan.trainOnBatch(tf.randomNormal([4, 100], 0, 1, 'float32', 5), tf.ones([4, 1]));
    expect(await read('conv2d')).toEqual(k0);
    expect(await read('gamma')).not.toEqual(gamma0);
    await peer.trainIteration();
    expect(await read('conv2d')).not.toEqual(k0);
    const after = await peer.sample(2, 11);
    expect(after.length).toBe(2 * 784);
    let diff = 0;
    for (let i = 0; i < after.length; i++) diff = Math.max(diff, Math.abs(after[i] - before[i]));
    expect(diff).toBeGreaterThan(0);
  } finally {
    peer.dispose();
    gpu.destroy();
  }
}, 120_000);
