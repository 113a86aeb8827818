// The autodiff tape. A Trace runs a model's forward pass once, at build time, collecting
// the prepared forward kernels; each differentiable op records, next to its forward, a
// closure that prepares its backward kernels. `backward()` runs the closures in reverse,
// giving a static list of backward kernels. Shapes are fixed, so a training phase is then
// replayed every iteration by encoding both lists: no allocation, no re-tracing.
//
// Gradients are overwritten by their first producer and accumulated (an add kernel) only
// when a tensor feeds a second consumer. Tensors that neither depend on a trainable
// parameter nor lead to one get no gradient at all, and frozen parameters (the composite
// model's view of the discriminator) get no weight-gradient kernels.

import { addInto } from '../kernels/elementwise';
import { Tensor, type Gpu } from '../kernels/gpu';
import type { Kernel } from '../kernels/kernel';
import type { Param } from './param';

export interface TraceOptions {
  /** Training mode (BatchNormalization uses batch statistics) or inference mode. */
  training: boolean;
  /** Record backward closures. False gives an inference-only (no-grad) trace. */
  grad: boolean;
  /** Which parameters this phase updates; the others are frozen (no gradient computed). */
  trainable?: (p: Param) => boolean;
}

export class Trace {
  readonly forward: Kernel[] = [];
  readonly backward: Kernel[] = [];
  readonly training: boolean;
  readonly recording: boolean;
  private readonly trainableFn: (p: Param) => boolean;
  private readonly tape: Array<() => Promise<void>> = [];
  private readonly needsGrad = new Set<Tensor>();
  private readonly grads = new Map<Tensor, Tensor>();
  private readonly paramWritten = new Set<Param>();
  private readonly owned: Tensor[] = [];

  constructor(
    readonly gpu: Gpu,
    readonly label: string,
    opts: TraceOptions,
  ) {
    this.training = opts.training;
    this.recording = opts.grad;
    this.trainableFn = opts.trainable ?? (() => true);
  }

  /** A buffer owned by this trace (activations, statistics, gradients). */
  tensor(shape: readonly number[], what: string): Tensor {
    const t = this.gpu.tensor(shape, `${this.label}/${what}`);
    this.owned.push(t);
    return t;
  }

  async run(kernel: Promise<Kernel>): Promise<void> {
    this.forward.push(await kernel);
  }

  trainable(p: Param): boolean {
    return this.recording && this.trainableFn(p);
  }

  requiresGrad(t: Tensor): boolean {
    return this.needsGrad.has(t);
  }

  /**
   * Declares `out` as computed from `inputs` and `params`; if a gradient can flow (an input
   * requires one, or a parameter is trainable here), records `backward` and returns true.
   */
  record(out: Tensor, inputs: readonly Tensor[], params: readonly Param[], backward: (dy: Tensor) => Promise<void>): boolean {
    if (!this.recording) return false;
    if (!inputs.some((x) => this.needsGrad.has(x)) && !params.some((p) => this.trainable(p))) return false;
    this.needsGrad.add(out);
    this.tape.push(async () => {
      const dy = this.grads.get(out);
      if (dy !== undefined) await backward(dy);
    });
    return true;
  }

  /** A view (reshape) of `x` as `y`: same buffer, so the gradient is a view too. */
  alias(x: Tensor, y: Tensor): void {
    if (!this.needsGrad.has(x)) return;
    this.needsGrad.add(y);
    this.tape.push(async () => {
      const dy = this.grads.get(y);
      if (dy === undefined) return;
      // The same buffer seen with x's shape: no kernel, unless x already has a gradient.
      const view = new Tensor(dy.buffer, x.shape, dy.label);
      const existing = this.grads.get(x);
      if (existing === undefined) this.grads.set(x, view);
      else this.backward.push(await addInto(this.gpu, view, existing));
    });
  }

  /** Seeds the backward pass: `dy` is dLoss/d`y` (written by the loss kernel). */
  seed(y: Tensor, dy: Tensor): void {
    this.grads.set(y, dy);
  }

  /**
   * Emits the gradient of `x`: `produce(dst)` prepares a kernel that overwrites dst. The first
   * producer writes x's gradient buffer directly; a later one writes a temporary that an add
   * kernel folds in.
   */
  async gradInto(x: Tensor, produce: (dst: Tensor) => Promise<Kernel>): Promise<void> {
    if (!this.needsGrad.has(x)) return;
    const existing = this.grads.get(x);
    const dst = this.tensor(x.shape, existing === undefined ? `d(${x.label})` : `d(${x.label})+`);
    this.backward.push(await produce(dst));
    if (existing === undefined) this.grads.set(x, dst);
    else this.backward.push(await addInto(this.gpu, dst, existing));
  }

  /** Emits a parameter's gradient into its shared grad buffer (accumulating on reuse). */
  async paramGrad(p: Param, produce: (dst: Tensor) => Promise<Kernel>): Promise<void> {
    if (!this.trainable(p)) return;
    if (!this.paramWritten.has(p)) {
      this.paramWritten.add(p);
      this.backward.push(await produce(p.grad));
    } else {
      const tmp = this.tensor(p.grad.shape, `d(${p.name})+`);
      this.backward.push(await produce(tmp));
      this.backward.push(await addInto(this.gpu, tmp, p.grad));
    }
  }

  /** Where a parameter's gradient may be written directly, or null if it must go elsewhere. */
  paramGradTarget(p: Param): Tensor | null {
    if (!this.trainable(p) || this.paramWritten.has(p)) return null;
    this.paramWritten.add(p);
    return p.grad;
  }

  /** Prepares the backward kernels, from the loss back to the inputs. Call once. */
  async runBackward(): Promise<void> {
    for (let i = this.tape.length - 1; i >= 0; i--) await this.tape[i]();
    this.tape.length = 0;
  }

  /** Parameters this trace wrote gradients for. */
  paramsWithGrad(): Param[] {
    return [...this.paramWritten];
  }

  encode(pass: GPUComputePassEncoder): void {
    for (const k of this.forward) k.encode(pass);
    for (const k of this.backward) k.encode(pass);
  }

  destroy(): void {
    for (const t of this.owned) t.buffer.destroy();
    for (const k of [...this.forward, ...this.backward]) k.destroy();
  }
}
