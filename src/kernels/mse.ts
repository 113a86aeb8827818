// Launcher for shaders/mse.wgsl: the LSGAN's loss and its gradient in one dispatch.
// CPU twin: mse.cpu.ts.

import code from '../../shaders/mse.wgsl?raw';
import { ShapeError, shapeString } from './errors';
import type { Gpu, Tensor } from './gpu';
import { prepareKernel, type Kernel } from './kernel';

/** Shared validation of the launcher and the CPU twin. */
export function checkMseArgs(op: string, n: number, dySize: number, lossSize: number, target: number, slot: number): void {
  if (n < 1) throw new ShapeError(`${op}: y has no values`);
  if (dySize !== n) throw new ShapeError(`${op}: dy has ${dySize} values, expected ${n} (one per prediction)`);
  if (!Number.isInteger(slot) || slot < 0 || slot >= lossSize) throw new ShapeError(`${op}: slot ${slot} is outside the loss buffer of ${lossSize} values`);
  if (!Number.isFinite(target)) throw new ShapeError(`${op}: target ${target} is not finite`);
}

/** loss[slot] = mean (y - target)^2 and dy = 2 (y - target) / N; overwrites dy and loss[slot]. */
export function mseLoss(gpu: Gpu, y: Tensor, target: number, dy: Tensor, loss: Tensor, slot: number): Promise<Kernel> {
  const op = `mseLoss(y ${shapeString(y.shape)}, dy ${shapeString(dy.shape)}, loss ${shapeString(loss.shape)}, slot ${slot})`;
  checkMseArgs(op, y.size, dy.size, loss.size, target, slot);
  if (y.buffer === dy.buffer || y.buffer === loss.buffer || dy.buffer === loss.buffer) throw new ShapeError(`${op}: y, dy and loss must be distinct tensors`);
  return prepareKernel(gpu, {
    file: 'mse.wgsl', code, entry: 'forward_backward',
    bindings: [gpu.uniform(op, [['u32', y.size], ['f32', target], ['u32', slot]]), y, dy, loss],
    grid: [1, 1, 1],
    name: `mse.wgsl:forward_backward n=${y.size} target=${target} slot=${slot}`,
    flops: 5 * y.size, bytes: 8 * y.size + 4,
  });
}
