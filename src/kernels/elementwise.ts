// Launchers for shaders/elementwise.wgsl. CPU twins: elementwise.cpu.ts.

import code from '../../shaders/elementwise.wgsl?raw';
import type { Gpu, Tensor } from './gpu';
import { expectSize, grid1d, prepareKernel, type Kernel } from './kernel';

/** acc += src, elementwise; accumulates into acc. */
export function addInto(gpu: Gpu, src: Tensor, acc: Tensor): Promise<Kernel> {
  expectSize('addInto', 'acc', acc, src.size);
  return prepareKernel(gpu, {
    file: 'elementwise.wgsl', code, entry: 'add_into',
    bindings: [gpu.uniform('addInto', [['u32', src.size]]), src, acc],
    grid: grid1d(Math.ceil(src.size / 256)),
    name: `elementwise.wgsl:add_into n=${src.size}`,
    flops: src.size, bytes: 12 * src.size,
  });
}
