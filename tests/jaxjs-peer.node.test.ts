import { readFileSync } from 'node:fs';
import { defaultDevice, getWebGPUDevice, lax, numpy as np, random, tree, vjp } from '@jax-js/jax';
import { expect, test } from 'vitest';
import { createJaxjsLsgan, JAXJS_VERSION } from '../bench/peer/jaxjs-lsgan';
import { createNodeGpu } from '../src/kernels/device-node';

// The benchmark's jax-js peer (jit + valueAndGrad on jax-js's WebGPU backend, through Dawn) must
// be SPEC.md's model and must really run on WebGPU: batch 4, a few synthetic digits, so it stays
// quick on a CPU Vulkan driver.
test('jax-js peer: SPEC.md parameter counts, webgpu backend, two finite iterations that move G, freezing as tf.keras', async () => {
  const gpu = await createNodeGpu();
  const images = new Uint8Array(40 * 784);
  for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
  const peer = await createJaxjsLsgan(gpu.instance, { batch: 4, seed: 3, images });
  try {
    const pkg = JSON.parse(readFileSync('node_modules/@jax-js/jax/package.json', 'utf8')) as { version: string };
    expect(peer.version).toBe(pkg.version);
    expect(JAXJS_VERSION).toBe(pkg.version);
    // The WebGPU backend, on the adapter our own device uses (Dawn's GPU object as navigator.gpu).
    expect(peer.device).toBe('webgpu');
    expect(defaultDevice()).toBe('webgpu');
    expect(getWebGPUDevice()).not.toBe(gpu.device);
    expect(peer.adapterName).toBe(gpu.adapter.description);
    expect(peer.paramCounts()).toEqual({ d: 138_945, g: 1_951_105 });

    // Conv2DTranspose 'same' as the peer writes it is the adjoint of the 'same' Conv2D (Keras's definition).
    const [k1, k2, k3] = random.split(random.key(1), 3);
    const x = random.normal(k1, [2, 8, 8, 8]), w = random.normal(k2, [6, 8, 4, 4]), y = random.normal(k3, [2, 6, 4, 4]);
    const [out, back] = vjp((xx: np.Array) => lax.convGeneralDilated(xx, w.ref, [2, 2], 'SAME'), [x]);
    out.dispose();
    const [adjoint] = back(y.ref);
    back.dispose();
    const ct = lax.convTranspose(y, w, [2, 2], 'SAME', { transposeKernel: true });
    expect(ct.shape).toEqual([2, 8, 8, 8]);
    expect(ct.device).toBe('webgpu');
    const [a, b] = await Promise.all([ct.data(), adjoint.data()]);
    let err = 0, scale = 0;
    for (let i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    expect(err).toBeLessThanOrEqual(1e-5 * scale);

    const before = await peer.sample(2, 11);
    for (let i = 0; i < 2; i++) {
      const l = await peer.trainIteration();
      for (const v of [l.d1, l.d2, l.g]) expect(Number.isFinite(v)).toBe(true);
    }
    // Freezing as tf.keras: the composite's update leaves D's conv kernel alone and moves its
    // BatchNormalization gamma; D's own update moves the kernel.
    const read = async () => {
      const { d, g } = peer.weights();
      const kernel = Array.from(await d.w.c1.w.ref.data()), gamma = Array.from(await d.bn.bn1.gamma.ref.data());
      expect(d.w.c1.w.device).toBe('webgpu');
      tree.dispose([d, g] as never);
      return { kernel, gamma };
    };
    const w0 = await read();
    expect(Number.isFinite(await peer.ganStep())).toBe(true);
    const w1 = await read();
    expect(w1.kernel).toEqual(w0.kernel);
    expect(w1.gamma).not.toEqual(w0.gamma);
    await peer.trainIteration();
    expect((await read()).kernel).not.toEqual(w0.kernel);
    const after = await peer.sample(2, 11);
    expect(after.length).toBe(2 * 784);
    let diff = 0;
    for (let i = 0; i < after.length; i++) diff = Math.max(diff, Math.abs(after[i] - before[i]));
    expect(diff).toBeGreaterThan(0);
  } finally {
    peer.dispose();
    gpu.destroy();
  }
}, 300_000);
