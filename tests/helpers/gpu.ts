// The GPU test fixture: one device per test file, every test body inside validation,
// out-of-memory and internal error scopes (any error fails the test), NaN-filled outputs
// so an element a kernel never writes fails, and buffers destroyed afterwards.
// Without a WebGPU adapter the GPU tests are skipped, never passed.

import { createGpu, type Gpu, type Tensor } from '../../src/kernels/gpu';
import { runKernels, type Kernel } from '../../src/kernels/kernel';

let shared: Promise<Gpu | null> | null = null;

export function testGpu(): Promise<Gpu | null> {
  if (shared === null) {
    shared = (async () => {
      if (typeof navigator === 'undefined' || navigator.gpu === undefined) return null;
      try {
        const gpu = await createGpu(navigator.gpu, 'test browser');
        console.log(`GPU tests on ${gpu.adapter.name}`);
        return gpu;
      } catch {
        return null;
      }
    })();
  }
  return shared;
}

export class Scope {
  private readonly made: Tensor[] = [];
  constructor(readonly gpu: Gpu) {}

  tensor(shape: readonly number[], label: string, data?: ArrayLike<number>): Tensor {
    const t = this.gpu.tensor(shape, label, data);
    this.made.push(t);
    return t;
  }

  /** An output tensor pre-filled with NaN. */
  output(shape: readonly number[], label: string): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.tensor(shape, label, new Float32Array(size).fill(NaN));
  }

  run(kernels: Kernel | readonly Kernel[]): void {
    runKernels(this.gpu, Array.isArray(kernels) ? kernels : [kernels as Kernel]);
  }

  async read(t: Tensor): Promise<Float64Array> {
    return Float64Array.from(await this.gpu.read(t));
  }

  destroy(): void {
    for (const t of this.made) t.buffer.destroy();
  }
}

/** Runs `body` with a fresh Scope inside WebGPU error scopes; any captured error fails. */
export async function withGpu(gpu: Gpu, body: (s: Scope) => Promise<void>): Promise<void> {
  const d = gpu.device;
  d.pushErrorScope('validation');
  d.pushErrorScope('out-of-memory');
  d.pushErrorScope('internal');
  const s = new Scope(gpu);
  let failure: unknown = null;
  try {
    await body(s);
  } catch (e) {
    failure = e;
  }
  const errors = (await Promise.all([d.popErrorScope(), d.popErrorScope(), d.popErrorScope()])).filter((e) => e !== null);
  s.destroy();
  gpu.check();
  if (errors.length > 0) throw new Error(`WebGPU errors: ${errors.map((e) => e!.message).join('\n')}`);
  if (failure !== null) throw failure;
}
