// A Kernel is one prepared dispatch: pipeline, bind group and grid made once, encoded as
// often as needed with no allocation. Launchers (conv2d.ts, batchnorm.ts, ...) return
// Kernels; the training loop records them into one compute pass per phase.

import { GpuError, ShapeError, shapeString } from './errors';
import { Tensor, type Gpu } from './gpu';

export type Grid = readonly [number, number, number];

/** A GPU resource a kernel frees with itself: a buffer, a texture, or a hold on a shared one. */
export interface Owned {
  destroy(): void;
}

export class Kernel {
  constructor(
    /** "file:entry" plus what was chosen, e.g. "conv2d.wgsl:forward 64x28x28x1->14x14x64". */
    readonly name: string,
    readonly pipeline: GPUComputePipeline,
    readonly bindGroup: GPUBindGroup,
    readonly grid: Grid,
    /** Analytic floating-point operations (a multiply-add counts 2) and bytes moved, for the profiler. */
    readonly flops: number,
    readonly bytes: number,
    /** Dispatches recorded right after this one, as one operation (a split-K GEMM's reduction):
     *  later dispatches of a pass see the earlier ones' writes. */
    readonly then: readonly Kernel[] = [],
    /** What was made for this kernel alone (its uniforms, a split-K scratch, packed operand
     *  textures or a hold on shared ones), freed by destroy(). */
    readonly owned: readonly Owned[] = [],
  ) {}

  /** Frees what the kernel owns; the tensors it reads and writes belong to others. */
  destroy(): void {
    for (const b of this.owned) b.destroy();
    for (const k of this.then) k.destroy();
  }

  /** How many dispatches encode() records. */
  get dispatches(): number {
    return 1 + this.then.reduce((a, k) => a + k.dispatches, 0);
  }

  encode(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(this.grid[0], this.grid[1], this.grid[2]);
    for (const k of this.then) k.encode(pass);
  }
}

/** `first` followed by `then` as one Kernel named `name`, with the given totals (and `owned`, freed with it). */
export function chainKernels(first: Kernel, then: readonly Kernel[], name: string, flops: number, bytes: number, owned: readonly Owned[] = []): Kernel {
  return new Kernel(name, first.pipeline, first.bindGroup, first.grid, flops, bytes, [...first.then, ...then], [...first.owned, ...owned]);
}

export interface KernelSpec {
  file: string;
  code: string;
  entry: string;
  constants?: Record<string, number>;
  /** In binding order: @binding(0), @binding(1), ... of @group(0). A texture binds its whole view. */
  bindings: ReadonlyArray<Tensor | GPUBuffer | GPUTexture>;
  grid: Grid;
  name?: string;
  flops?: number;
  bytes?: number;
  /** What besides the uniforms among `bindings` the kernel alone uses (scratch), freed with it. */
  scratch?: readonly Owned[];
}

export async function prepareKernel(gpu: Gpu, spec: KernelSpec): Promise<Kernel> {
  const pipeline = await gpu.pipeline(spec.file, spec.code, spec.entry, spec.constants ?? {});
  const max = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  if (spec.grid.some((g) => !Number.isInteger(g) || g < 0 || g > max)) {
    throw new GpuError(`${spec.file}:${spec.entry}: grid ${spec.grid.join('x')} exceeds ${max} workgroups per dimension`);
  }
  const bindGroup = gpu.device.createBindGroup({
    label: `${spec.file}:${spec.entry}`,
    layout: pipeline.getBindGroupLayout(0),
    entries: spec.bindings.map((b, binding) => ({
      binding,
      resource: b instanceof Tensor ? { buffer: b.buffer } : isTexture(b) ? b.createView() : { buffer: b },
    })),
  });
  // Bindings that are plain buffers, not tensors, are the uniforms each launcher makes for its kernel.
  const owned = [...spec.bindings.filter((b): b is GPUBuffer => !(b instanceof Tensor) && !isTexture(b)), ...(spec.scratch ?? [])];
  return new Kernel(spec.name ?? `${spec.file}:${spec.entry}`, pipeline, bindGroup, spec.grid, spec.flops ?? 0, spec.bytes ?? 0, [], owned);
}

function isTexture(b: Tensor | GPUBuffer | GPUTexture): b is GPUTexture {
  return !(b instanceof Tensor) && 'createView' in b;
}

/** Records kernels into one compute pass and submits them (tests, one-off work). */
export function runKernels(gpu: Gpu, kernels: readonly Kernel[], label = 'run'): void {
  const enc = gpu.device.createCommandEncoder({ label });
  const pass = enc.beginComputePass({ label });
  for (const k of kernels) k.encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
}

/**
 * A 1-D grid of `groups` workgroups folded into x and y, since one dimension holds at most
 * 65535. Shaders recover the linear index as `wid.x + wid.y * num_workgroups.x` and must
 * bounds-check, because x * y can exceed `groups`.
 */
export function grid1d(groups: number, maxPerDim = 65535): Grid {
  if (groups <= maxPerDim) return [Math.max(1, groups), 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}

/** Throws a ShapeError unless `t` has exactly `shape`. */
export function expectShape(op: string, what: string, t: Tensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${op}: ${what} (${t.label}) has shape ${shapeString(t.shape)}, expected ${shapeString(shape)}`);
  }
}

/** Throws a ShapeError unless `t` holds `size` elements (any shape). */
export function expectSize(op: string, what: string, t: Tensor, size: number): void {
  if (t.size !== size) {
    throw new ShapeError(`${op}: ${what} (${t.label}) has shape ${shapeString(t.shape)} (${t.size} values), expected ${size} values`);
  }
}
