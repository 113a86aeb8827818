import { expect, test } from 'vitest';
import { activationForward } from '../../src/kernels/activation';
import { createNodeGpu, type NodeGpuOptions } from '../../src/kernels/device-node';
import { runKernels } from '../../src/kernels/kernel';

/** Node + Dawn, the CLI's path to the GPU: get a device and run a kernel from shaders/. */
export function nodeGpuTest(prefer: NonNullable<NodeGpuOptions['prefer']>, expectName: RegExp | null): void {
  test(`Dawn device (${prefer}) runs a WGSL kernel from shaders/`, async () => {
    const gpu = await createNodeGpu({ prefer });
    console.log(`${prefer}: ${gpu.adapter.name} (cpu: ${gpu.adapter.isCpu}, timestamps: ${gpu.hasTimestamps})`);
    if (expectName !== null) expect(gpu.adapter.name).toMatch(expectName);
    const x = gpu.tensor([5], 'x', [-2, -0.5, 0, 0.5, 2]);
    const y = gpu.tensor([5], 'y');
    runKernels(gpu, [await activationForward(gpu, 'leaky_relu', x, y)]);
    expect(Array.from(await gpu.read(y))).toEqual([Math.fround(-0.4), Math.fround(-0.1), 0, 0.5, 2]);
    gpu.check();
    gpu.destroy();
  });
}
