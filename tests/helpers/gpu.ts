// The GPU test fixture: one device per test file, every test body inside validation,
// out-of-memory and internal error scopes (any error fails the test), NaN-filled outputs
// so an element a kernel never writes fails, and buffers destroyed afterwards.
// Without a WebGPU adapter the GPU tests are skipped, never passed.
// The same test files run in headless Chromium (the `gpu` project: SwiftShader) and in Node
// through Dawn (the `lavapipe` project), and kernel tests run once per kernel family.

import { createGpu, type Gpu, type KernelFamily, type Tensor } from '../../src/kernels/gpu';
import { runKernels, type Kernel } from '../../src/kernels/kernel';

/** Both kernel families (src/kernels/gpu.ts: KernelFamily), for describe.each. */
export const FAMILIES: readonly KernelFamily[] = ['gpu', 'cpu'];

const shared = new Map<boolean, Promise<Gpu | null>>();

/**
 * The test device: the browser's WebGPU, or lavapipe through Dawn in Node. `subgroups: false`
 * gives a second device without the 'subgroups' feature (the cpu family's fallback).
 */
export function testGpu(opts: { subgroups?: boolean } = {}): Promise<Gpu | null> {
  const subgroups = opts.subgroups ?? true;
  let p = shared.get(subgroups);
  if (p === undefined) {
    p = (async () => {
      try {
        let gpu: Gpu;
        if (typeof navigator !== 'undefined' && navigator.gpu !== undefined) {
          gpu = await createGpu(navigator.gpu, 'test browser', { subgroups });
        } else if (typeof process !== 'undefined' && process.versions?.node !== undefined) {
          const { createNodeGpu } = await import('../../src/kernels/device-node');
          gpu = await createNodeGpu({ prefer: 'lavapipe', subgroups });
        } else {
          return null;
        }
        console.log(`GPU tests on ${gpu.adapter.name}; ${gpu.kernelsLine}`);
        return gpu;
      } catch (e) {
        console.log(`no WebGPU device for the GPU tests: ${(e as Error).message}`);
        return null;
      }
    })();
    shared.set(subgroups, p);
  }
  return p;
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

/**
 * Runs `body` with a fresh Scope inside WebGPU error scopes; any captured error fails. With a
 * family, kernels prepared in `body` are that family's (the device's choice is restored after).
 */
export async function withGpu(gpu: Gpu, body: (s: Scope) => Promise<void>, family?: KernelFamily): Promise<void> {
  const before = gpu.kernels;
  if (family !== undefined) gpu.useKernels(family);
  try {
    await scoped(gpu, body);
  } finally {
    gpu.useKernels(before);
  }
}

async function scoped(gpu: Gpu, body: (s: Scope) => Promise<void>): Promise<void> {
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

/** Fails unless a convolution kernel comes from `family` (cpu: conv2d-cpu.ts's chains). */
export function expectConvFamily(kernel: Kernel, family: KernelFamily): void {
  const cpu = kernel.name.startsWith('conv2d-cpu:');
  if (cpu !== (family === 'cpu')) throw new Error(`${kernel.name}: expected a ${family}-family kernel`);
}
