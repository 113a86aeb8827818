// Adam as Keras 2.4 computes it (SPEC.md), one optimizer per compiled model with its own
// moments and step count. The step lives on the GPU and a tick kernel advances it, so all
// the optimizer steps of a training iteration go into one submit with no host writes.

import { adamTick, adamUpdate, ADAM_DEFAULTS } from '../kernels/adam';
import type { Gpu, Tensor } from '../kernels/gpu';
import type { Kernel } from '../kernels/kernel';
import type { Param } from './param';

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export class Adam {
  readonly hyper: AdamHyper;
  /** The 1-based step of the last update (Keras' `iterations`), stored as f32. */
  readonly step: Tensor;
  readonly m: Map<Param, Tensor> = new Map();
  readonly v: Map<Param, Tensor> = new Map();

  constructor(
    readonly gpu: Gpu,
    readonly name: string,
    readonly params: readonly Param[],
    hyper: Partial<AdamHyper> = {},
  ) {
    this.hyper = { ...ADAM_DEFAULTS, ...hyper };
    this.step = gpu.tensor([1], `${name}/iterations`);
    for (const p of params) {
      this.m.set(p, gpu.tensor(p.value.shape, `${name}/${p.name}/m`));
      this.v.set(p, gpu.tensor(p.value.shape, `${name}/${p.name}/v`));
    }
  }

  /** One optimizer step: tick, then update every parameter from its gradient buffer. */
  async kernels(): Promise<Kernel[]> {
    const out = [await adamTick(this.gpu, this.step)];
    for (const p of this.params) out.push(await adamUpdate(this.gpu, p.value, p.grad, this.m.get(p)!, this.v.get(p)!, this.step, this.hyper));
    return out;
  }

  destroy(): void {
    for (const t of [this.step, ...this.m.values(), ...this.v.values()]) t.buffer.destroy();
  }

  /** Named state tensors, for checkpoints. */
  stateTensors(): Array<{ name: string; value: Tensor }> {
    const out = [{ name: `${this.name}/iterations`, value: this.step }];
    for (const p of this.params) {
      out.push({ name: `${this.name}/${p.name}/m`, value: this.m.get(p)! });
      out.push({ name: `${this.name}/${p.name}/v`, value: this.v.get(p)! });
    }
    return out;
  }
}
