// Launcher for shaders/mnist.wgsl: the real half of a training batch, built on the GPU.
// CPU twin: mnist.cpu.ts.

import code from '../../shaders/mnist.wgsl?raw';
import { ShapeError, shapeString } from './errors';
import type { Gpu, Tensor } from './gpu';
import { expectShape, grid1d, prepareKernel, type Kernel } from './kernel';

/** Uploads IDX pixel bytes (count images of `pixels` bytes) as a u32-packed tensor. */
export function uploadImages(gpu: Gpu, pixels: Uint8Array, label = 'mnist/images'): Tensor {
  const padded = new Uint8Array(Math.ceil(pixels.length / 4) * 4);
  padded.set(pixels);
  const t = gpu.tensor([padded.length / 4], label);
  gpu.device.queue.writeBuffer(t.buffer, 0, padded);
  return t;
}

/**
 * out = (images[index[b]] - 127.5) / 127.5 as [batch, h, w, 1]; overwrites out.
 * `images` holds `count` images of h*w bytes packed 4 per u32; `index` holds `batch` u32.
 */
export function gatherBatch(gpu: Gpu, images: Tensor, count: number, index: Tensor, out: Tensor): Promise<Kernel> {
  const op = 'gatherBatch';
  if (out.shape.length !== 4 || out.shape[3] !== 1) throw new ShapeError(`${op}: out (${out.label}) has shape ${shapeString(out.shape)}, expected [batch, h, w, 1]`);
  const [batch, h, w] = out.shape;
  const pixels = h * w;
  expectShape(op, 'index', index, [batch]);
  if (!Number.isInteger(count) || count < 1 || images.size * 4 < count * pixels) {
    throw new ShapeError(`${op}: images (${images.label}) hold ${images.size * 4} bytes, fewer than ${count} images of ${h}x${w}`);
  }
  return prepareKernel(gpu, {
    file: 'mnist.wgsl', code, entry: 'gather_batch',
    bindings: [gpu.uniform(op, [['u32', batch], ['u32', pixels], ['u32', count]]), images, index, out],
    grid: grid1d(Math.ceil((batch * pixels) / 256)),
    name: `mnist.wgsl:gather_batch ${batch}x${h}x${w}`,
    flops: 2 * batch * pixels, bytes: 5 * batch * pixels,
  });
}
