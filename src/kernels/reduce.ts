// Launchers for shaders/reduce.wgsl. CPU twins: reduce.cpu.ts.

import cpuCode from '../../shaders/reduce-cpu.wgsl?raw';
import code from '../../shaders/reduce.wgsl?raw';
import { reductionBlocks } from './batchnorm-cpu';
import { ShapeError, shapeString } from './errors';
import type { Gpu, Tensor } from './gpu';
import { chainKernels, grid1d, prepareKernel, type Kernel } from './kernel';

/**
 * Columns per workgroup: 16 when there are many columns; fewer when C is small, so that about 64
 * workgroups share a long reduction (C = 64 over M = 50176 rows) instead of four; more (up to
 * 256) when there are few rows, so each row lane still adds at least four (8 x 12544, the bias
 * gradient of Dense at batch 8, would otherwise leave most lanes idle in 784 workgroups).
 */
function columnsPerWorkgroup(M: number, C: number): number {
  let cw = 1;
  while (cw < 16 && cw * 2 * 64 <= C) cw *= 2;
  while (cw < 256 && cw * 2 <= C && 256 / cw > Math.ceil(M / 4)) cw *= 2;
  return cw;
}

/** out[c] = sum of x over every axis but the last (size C); overwrites out. */
export function channelSum(gpu: Gpu, x: Tensor, out: Tensor): Promise<Kernel> {
  const op = 'channelSum';
  const C = x.shape[x.shape.length - 1];
  if (x.shape.length < 1 || !(C > 0)) throw new ShapeError(`${op}: x (${x.label}) has shape ${shapeString(x.shape)}, expected a last axis of channels`);
  if (out.shape.length !== 1 || out.shape[0] !== C) {
    throw new ShapeError(`${op}: out (${out.label}) has shape ${shapeString(out.shape)}, expected [${C}] for x ${shapeString(x.shape)}`);
  }
  const M = x.size / C;
  if (gpu.kernels === 'cpu' && C % 4 === 0) return channelSumCpu(gpu, x, out, M, C);
  const cw = columnsPerWorkgroup(M, C);
  return prepareKernel(gpu, {
    file: 'reduce.wgsl', code, entry: 'channel_sum',
    constants: { CW: cw },
    bindings: [gpu.uniform(op, [['u32', M], ['u32', C]]), x, out],
    grid: grid1d(Math.ceil(C / cw)),
    name: `reduce.wgsl:channel_sum ${M}x${C}`,
    flops: x.size, bytes: 4 * (x.size + C),
  });
}

/**
 * out = sum of x over its first axis, x [S, ...out's shape], in the order s = 0, 1, ...:
 * the partial sums of a split-K GEMM added up; overwrites out.
 */
export function splitSum(gpu: Gpu, x: Tensor, out: Tensor): Promise<Kernel> {
  const op = 'splitSum';
  const S = x.shape[0];
  if (x.shape.length < 2 || !(S > 0) || x.size !== S * out.size || x.shape.slice(1).some((d, i) => d !== out.shape[i]) || out.shape.length !== x.shape.length - 1) {
    throw new ShapeError(`${op}: x (${x.label}) has shape ${shapeString(x.shape)} and out (${out.label}) ${shapeString(out.shape)}; expected x [S, ...out's shape]`);
  }
  return prepareKernel(gpu, {
    file: 'reduce.wgsl', code, entry: 'split_sum',
    bindings: [gpu.uniform(op, [['u32', S], ['u32', out.size]]), x, out],
    grid: grid1d(Math.ceil(out.size / 256)),
    name: `reduce.wgsl:split_sum ${S}x${out.size}`,
    flops: x.size, bytes: 4 * (x.size + out.size),
  });
}

/** The cpu family's channel_sum (reduce-cpu.wgsl): partial sums per block of rows, then their sum. */
async function channelSumCpu(gpu: Gpu, x: Tensor, out: Tensor, M: number, C: number): Promise<Kernel> {
  const C4 = C / 4, { block, blocks } = reductionBlocks(M, C4);
  const part = gpu.tensor([blocks, C], `channel_sum ${M}x${C} partial sums`);
  const make = (entry: string, n: number, bindings: Tensor[]) => {
    const grid = grid1d(Math.ceil(n / 64));
    return prepareKernel(gpu, { file: 'reduce-cpu.wgsl', code: cpuCode, entry, constants: { M, C4, BLOCK: block, BLOCKS: blocks, GROUPS_X: grid[0] }, bindings, grid });
  };
  const partial = await make('sum_partial', blocks * C4, [x, part]);
  const finalize = await make('sum_finalize', C4, [part, out]);
  return chainKernels(partial, [finalize], `reduce-cpu:channel_sum ${M}x${C} blocks ${blocks}x${block}`, x.size, 4 * (x.size + C), [part.buffer]);
}
