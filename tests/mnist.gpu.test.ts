import { describe, expect, test } from 'vitest';
import { gatherBatch, uploadImages } from '../src/kernels/mnist';
import * as cpu from '../src/kernels/mnist.cpu';
import { compare } from './helpers/compare';
import { expectFailure } from './helpers/errors';
import { testGpu, withGpu } from './helpers/gpu';
import { rng } from './helpers/random';
import { GPU_ELEMENTWISE } from './helpers/tolerances';

const gpu = await testGpu();

describe.skipIf(gpu === null)('gather_batch vs CPU twin', () => {
  test('a batch with repeats, from 1000 synthetic 28x28 images (odd byte offsets)', () =>
    withGpu(gpu!, async (s) => {
      const r = rng(3), count = 1001, pixels = 28 * 28;
      const bytes = new Uint8Array(count * pixels).map(() => Math.floor(r() * 256));
      bytes[0] = 0; bytes[1] = 255;
      const index = Uint32Array.from([0, 1000, 7, 7, 999, 500, 3, 1]);
      const images = uploadImages(gpu!, bytes);
      const idx = s.tensor([index.length], 'index');
      gpu!.device.queue.writeBuffer(idx.buffer, 0, index);
      const out = s.output([index.length, 28, 28, 1], 'out');
      s.run(await gatherBatch(gpu!, images, count, idx, out));
      const got = await s.read(out);
      const want = new Float64Array(got.length);
      cpu.gatherBatch(bytes, pixels, index, want);
      compare('gather_batch', got, want, GPU_ELEMENTWISE);
      expect(got[0]).toBe(-1);
      expect(got[1]).toBe(1);
      images.buffer.destroy();
    }));

  test('rejects shapes that do not fit', () =>
    withGpu(gpu!, async (s) => {
      const images = s.tensor([10], 'images'), idx = s.tensor([4], 'index');
      await expectFailure(() => gatherBatch(gpu!, images, 1, idx, s.tensor([4, 28, 28, 1], 'out')), /gatherBatch: images \(images\) hold 40 bytes, fewer than 1 images of 28x28/);
      await expectFailure(() => gatherBatch(gpu!, images, 1, idx, s.tensor([4, 28, 28], 'out')), /gatherBatch: out \(out\) has shape \[4, 28, 28\], expected \[batch, h, w, 1\]/);
    }));
});
