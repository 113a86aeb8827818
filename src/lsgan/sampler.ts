// Drawing digits from a generator in inference mode (Keras' generator.predict): a fixed
// batch size, its own latent buffer, prepared once and reused for every picture.

import type { Gpu, Tensor } from '../kernels/gpu';
import { runKernels, type Kernel } from '../kernels/kernel';
import { randomNormal } from '../kernels/random';
import type { Sequential } from '../nn/layers';
import { Trace } from '../nn/trace';
import { STREAM } from './lsgan';

export class Sampler {
  private constructor(
    readonly gpu: Gpu,
    readonly n: number,
    readonly latent: number,
    readonly z: Tensor,
    readonly out: Tensor,
    private readonly step: Tensor,
    private readonly draw: Kernel,
    private readonly trace: Trace,
  ) {}

  /** Latent points come from Philox stream `sample` keyed by `seed`, counted by the step given to fresh(). */
  static async create(gpu: Gpu, g: Sequential, n: number, seed: number): Promise<Sampler> {
    const latent = g.inputShape[0];
    const z = gpu.tensor([n, latent], 'sample/z');
    const step = gpu.tensor([1], 'sample/step');
    const trace = new Trace(gpu, `sample${n}`, { training: false, grad: false });
    const out = await g.forward(trace, z);
    const draw = await randomNormal(gpu, z, step, { seed, stream: STREAM.sample });
    return new Sampler(gpu, n, latent, z, out, step, draw, trace);
  }

  /** Images [n, 28, 28, 1] in [-1, 1] from latent points drawn for `step` (fresh per step). */
  async fresh(step: number): Promise<Float32Array> {
    this.gpu.write(this.step, [step]);
    runKernels(this.gpu, [this.draw, ...this.trace.forward], 'sample');
    return this.gpu.read(this.out);
  }

  /** Images from given latent points ([n, latent], row-major). */
  async fromLatent(z: Float32Array): Promise<Float32Array> {
    this.gpu.write(this.z, z);
    runKernels(this.gpu, this.trace.forward, 'sample');
    return this.gpu.read(this.out);
  }

  /** The latent points the last fresh() drew. */
  latentPoints(): Promise<Float32Array> {
    return this.gpu.read(this.z);
  }

  destroy(): void {
    this.draw.destroy();
    this.trace.destroy();
    for (const t of [this.z, this.step]) t.buffer.destroy();
  }
}

/** Rows of `cols` points along straight lines between pairs of latent points. */
export function interpolateLatent(ends: Float32Array, latent: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols * latent);
  for (let r = 0; r < rows; r++) {
    const a = ends.subarray(2 * r * latent, (2 * r + 1) * latent), b = ends.subarray((2 * r + 1) * latent, (2 * r + 2) * latent);
    for (let c = 0; c < cols; c++) {
      const t = cols === 1 ? 0 : c / (cols - 1);
      for (let k = 0; k < latent; k++) out[(r * cols + c) * latent + k] = (1 - t) * a[k] + t * b[k];
    }
  }
  return out;
}
