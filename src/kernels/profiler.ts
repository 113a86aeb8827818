// GPU time per kernel from timestamp queries: each kernel runs in a compute pass of its own
// whose beginning and end the GPU stamps, so the times are the GPU's, not the host's. One
// pass per kernel costs a little on a real GPU, so this is for profiling, not for training.
// Browsers quantise timestamps (Chromium to 100 us) unless developer features are enabled;
// Dawn in Node is created with full resolution (device-node.ts).

import { GpuError } from './errors';
import type { Gpu } from './gpu';
import type { Kernel } from './kernel';

export interface KernelTime {
  kernel: Kernel;
  /** Which part of the work it belongs to (a training phase). */
  group: string;
  ms: number;
}

export class KernelProfiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly staging: GPUBuffer;

  constructor(readonly gpu: Gpu, readonly capacity: number) {
    if (!gpu.hasTimestamps) throw new GpuError(`${gpu.adapter.name} has no 'timestamp-query' feature: GPU times per kernel are not available`);
    const d = gpu.device;
    this.querySet = d.createQuerySet({ label: 'profiler', type: 'timestamp', count: 2 * capacity });
    this.resolve = d.createBuffer({ label: 'profiler resolve', size: 16 * capacity, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.staging = d.createBuffer({ label: 'profiler staging', size: 16 * capacity, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Runs `work` (kernels in order, in groups) once, timing every kernel on the GPU. */
  async time(work: ReadonlyArray<{ group: string; kernels: readonly Kernel[] }>): Promise<KernelTime[]> {
    const list = work.flatMap((w) => w.kernels.map((kernel) => ({ group: w.group, kernel })));
    if (list.length > this.capacity) throw new GpuError(`profiler: ${list.length} kernels exceed its capacity of ${this.capacity}`);
    const enc = this.gpu.device.createCommandEncoder({ label: 'profile' });
    list.forEach(({ kernel }, i) => {
      const pass = enc.beginComputePass({
        label: kernel.name,
        timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
      });
      kernel.encode(pass);
      pass.end();
    });
    enc.resolveQuerySet(this.querySet, 0, 2 * list.length, this.resolve, 0);
    enc.copyBufferToBuffer(this.resolve, 0, this.staging, 0, 16 * list.length);
    this.gpu.device.queue.submit([enc.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ, 0, 16 * list.length);
    const stamps = new BigUint64Array(this.staging.getMappedRange(0, 16 * list.length).slice(0));
    this.staging.unmap();
    this.gpu.check();
    // Timestamps are nanoseconds; an implementation may report end < begin for a pass too
    // short to measure, which counts as zero.
    return list.map(({ group, kernel }, i) => ({ group, kernel, ms: Math.max(0, Number(stamps[2 * i + 1] - stamps[2 * i])) / 1e6 }));
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolve.destroy();
    this.staging.destroy();
  }
}
