// Launcher for shaders/softmax-xent.wgsl: softmax cross-entropy against class labels and its
// gradient in one dispatch, the MNIST judge's training loss. CPU twin: softmax-xent.cpu.ts.

import code from '../../shaders/softmax-xent.wgsl?raw';
import { ShapeError, shapeString } from './errors';
import type { Gpu, Tensor } from './gpu';
import { expectShape, prepareKernel, type Kernel } from './kernel';

/** Shared validation of the launcher and the CPU twin: N rows of K logits, N labels. */
export function checkSoftmaxXentArgs(op: string, n: number, k: number, dzSize: number, lossSize: number, slot: number): void {
  if (!(n >= 1)) throw new ShapeError(`${op}: no rows (labels has ${n} values)`);
  if (!Number.isInteger(k) || k < 2) throw new ShapeError(`${op}: ${n * k} logits for ${n} labels is not N rows of K >= 2 classes`);
  if (dzSize !== n * k) throw new ShapeError(`${op}: dz has ${dzSize} values, expected ${n * k} (one per logit)`);
  if (!Number.isInteger(slot) || slot < 0 || slot >= lossSize) throw new ShapeError(`${op}: slot ${slot} is outside the loss buffer of ${lossSize} values`);
}

/**
 * loss[slot] = mean over rows of -log softmax(z[n])[label[n]], dz = (softmax(z) - onehot) / N;
 * overwrites dz and loss[slot]. z is [N, K], labels [N] holds u32 class numbers (written with
 * writeLabels), dz is [N, K]. A label outside [0, K) makes the loss NaN.
 */
export function softmaxCrossEntropy(gpu: Gpu, z: Tensor, labels: Tensor, dz: Tensor, loss: Tensor, slot: number): Promise<Kernel> {
  const op = `softmaxCrossEntropy(z ${shapeString(z.shape)}, labels ${shapeString(labels.shape)}, dz ${shapeString(dz.shape)}, loss ${shapeString(loss.shape)}, slot ${slot})`;
  if (z.shape.length !== 2) throw new ShapeError(`${op}: z (${z.label}) has shape ${shapeString(z.shape)}, expected [rows, classes]`);
  const [n, k] = z.shape;
  expectShape(op, 'labels', labels, [n]);
  checkSoftmaxXentArgs(op, n, k, dz.size, loss.size, slot);
  const buffers = [z.buffer, labels.buffer, dz.buffer, loss.buffer];
  if (new Set(buffers).size !== buffers.length) throw new ShapeError(`${op}: z, labels, dz and loss must be distinct tensors`);
  return prepareKernel(gpu, {
    file: 'softmax-xent.wgsl', code, entry: 'forward_backward',
    bindings: [gpu.uniform(op, [['u32', n], ['u32', k], ['u32', slot]]), z, labels, dz, loss],
    grid: [1, 1, 1],
    name: `softmax-xent.wgsl:forward_backward ${n}x${k} slot=${slot}`,
    // Per logit: max, exp twice, a subtraction and a scale; per row a log.
    flops: 6 * n * k + 2 * n, bytes: 8 * n * k + 4 * n + 4,
  });
}

/** Writes class numbers into a labels tensor as u32 words (the layout the kernel reads). */
export function writeLabels(gpu: Gpu, labels: Tensor, values: ArrayLike<number>): void {
  if (values.length !== labels.size) throw new ShapeError(`writeLabels: ${values.length} labels for ${labels.label} of shape ${shapeString(labels.shape)}`);
  const words = Uint32Array.from(values);
  gpu.device.queue.writeBuffer(labels.buffer, 0, words.buffer, words.byteOffset, words.byteLength);
}
