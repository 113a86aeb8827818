// Correctness before timing: every entry point family of the project's kernels, run through
// its launcher (src/kernels/*.ts) at a small shape on random inputs, against its CPU twin
// (src/kernels/*.cpu.ts) computing in f64 from the same f32 inputs. Outputs are pre-filled
// with NaN, so an element a kernel never writes fails. The rule, one for all: the largest
// |gpu - cpu| must be at most TOLERANCE times the largest |cpu| (the output's scale), and a
// NaN or Inf fails. A correct f32 kernel lands near 1e-6 at these shapes; a wrong index or a
// missing term lands near 1. The tests (tests/*.gpu.test.ts) hold the tighter, per-kernel
// tolerances; this is the benchmark's guard that it times kernels that compute the right thing.

import * as act from '../../src/kernels/activation';
import * as actCpu from '../../src/kernels/activation.cpu';
import * as adam from '../../src/kernels/adam';
import * as adamCpu from '../../src/kernels/adam.cpu';
import * as bn from '../../src/kernels/batchnorm';
import * as bnCpu from '../../src/kernels/batchnorm.cpu';
import { conv2dGeometry, conv2dTransposeGeometry } from '../../src/kernels/conv-geometry';
import * as conv from '../../src/kernels/conv2d';
import * as convCpu from '../../src/kernels/conv2d.cpu';
import * as dense from '../../src/kernels/dense';
import * as denseCpu from '../../src/kernels/dense.cpu';
import * as ew from '../../src/kernels/elementwise';
import * as ewCpu from '../../src/kernels/elementwise.cpu';
import type { Gpu, Tensor } from '../../src/kernels/gpu';
import { runKernels, type Kernel } from '../../src/kernels/kernel';
import * as mnist from '../../src/kernels/mnist';
import * as mnistCpu from '../../src/kernels/mnist.cpu';
import * as mse from '../../src/kernels/mse';
import * as mseCpu from '../../src/kernels/mse.cpu';
import * as random from '../../src/kernels/random';
import * as randomCpu from '../../src/kernels/random.cpu';
import * as reduce from '../../src/kernels/reduce';
import * as reduceCpu from '../../src/kernels/reduce.cpu';
import type { CheckRecord, Correctness } from './types';

export const TOLERANCE = 1e-3;
export const TOLERANCE_RULE =
  `max |gpu - cpu| <= ${TOLERANCE} * max |cpu| per output (CPU twin in f64 on the same f32 inputs; outputs pre-filled with NaN; NaN/Inf fail)`;

/** "conv2d.wgsl:forward" from a kernel name "conv2d.wgsl:forward conv2dForward ...". */
export function entryOf(name: string): string {
  const i = name.indexOf(' ');
  return i < 0 ? name : name.slice(0, i);
}

/** max |got - want| and that over max |want|; NaN/Inf in got give Infinity. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): { maxAbs: number; relToScale: number } {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let maxAbs = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxAbs)) maxAbs = Number.isFinite(d) ? d : Infinity;
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { maxAbs, relToScale: scale > 0 ? maxAbs / scale : maxAbs };
}

/** A deterministic generator (mulberry32) with normals by Box-Muller. */
function rng(seed: number): { normal: (n: number, std?: number) => Float32Array; uniform: (n: number, lo: number, hi: number) => Float32Array } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return {
    normal: (n, std = 1) => Float32Array.from({ length: n }, () => std * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next())),
    uniform: (n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next()),
  };
}

const isTensor = (x: Tensor | ArrayLike<number>): x is Tensor => typeof (x as Tensor).buffer === 'object' && 'shape' in x;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const f64 = (n: number) => new Float64Array(n);

class Checker {
  readonly records: CheckRecord[] = [];
  private readonly made: Tensor[] = [];
  constructor(readonly gpu: Gpu) {}

  t(shape: readonly number[], data: ArrayLike<number>, label = 'in'): Tensor {
    const t = this.gpu.tensor(shape, label, data);
    this.made.push(t);
    return t;
  }

  out(shape: readonly number[], label = 'out'): Tensor {
    return this.t(shape, new Float32Array(size(shape)).fill(NaN), label);
  }

  async run(kernels: Kernel[]): Promise<Kernel[]> {
    runKernels(this.gpu, kernels, 'bench check');
    await this.gpu.device.queue.onSubmittedWorkDone();
    this.gpu.check();
    return kernels;
  }

  /** Records one comparison; `got` is a tensor to read back or values already read. */
  async expect(kernel: Kernel, what: string, got: Tensor | ArrayLike<number>, want: ArrayLike<number>): Promise<void> {
    const values = isTensor(got) ? await this.gpu.read(got) : got;
    const e = relativeError(values, want);
    this.records.push({ entry: entryOf(kernel.name), what: `${what} (${kernel.name})`, n: values.length, maxAbsErr: e.maxAbs, relToScale: e.relToScale, pass: e.relToScale <= TOLERANCE });
  }

  destroy(): void {
    for (const t of this.made) t.buffer.destroy();
  }
}

async function checkConv(c: Checker): Promise<void> {
  const r = rng(1);
  // Stride 2 on an odd size: Keras' asymmetric 'same' padding and all four parity classes.
  const xs = [2, 9, 9, 3], ks = [4, 4, 3, 8];
  const g = conv2dGeometry('bench conv', xs, ks, 2, 'same');
  const ys = [g.N, g.OH, g.OW, g.F];
  const xv = r.normal(size(xs)), wv = r.normal(size(ks), 0.2), bv = r.normal(g.F), dyv = r.normal(size(ys));
  const x = c.t(xs, xv), w = c.t(ks, wv), b = c.t([g.F], bv), dy = c.t(ys, dyv);
  const y = c.out(ys), dx = c.out(xs), dw = c.out(ks), db = c.out([g.F]);
  const [kf, kbi, kbf, kcs] = await c.run([
    await conv.conv2dForward(c.gpu, g, x, w, b, y, 'leaky_relu'),
    await conv.conv2dBackwardInput(c.gpu, g, dy, w, dx),
    await conv.conv2dBackwardFilter(c.gpu, g, x, dy, dw),
    await reduce.channelSum(c.gpu, dy, db),
  ]);
  const yW = f64(size(ys)), dxW = f64(size(xs)), dwW = f64(size(ks)), dbW = f64(g.F);
  convCpu.conv2dForward(g, xv, wv, bv, yW, 'leaky_relu');
  convCpu.conv2dBackwardInput(g, dyv, wv, dxW);
  convCpu.conv2dBackwardFilter(g, xv, dyv, dwW);
  reduceCpu.channelSum(dyv, dbW);
  await c.expect(kf, 'conv2d forward +bias +leaky_relu', y, yW);
  await c.expect(kbi, 'conv2d input gradient', dx, dxW);
  await c.expect(kbf, 'conv2d filter gradient', dw, dwW);
  await c.expect(kcs, 'bias gradient', db, dbW);

  // The tall variant (one output channel), as the generator's last 7x7 conv with tanh.
  const xs2 = [2, 8, 8, 5], ks2 = [7, 7, 5, 1];
  const g2 = conv2dGeometry('bench conv tall', xs2, ks2, 1, 'same');
  const ys2 = [g2.N, g2.OH, g2.OW, 1];
  const xv2 = r.normal(size(xs2)), wv2 = r.normal(size(ks2), 0.1), bv2 = r.normal(1), dyv2 = r.normal(size(ys2));
  const x2 = c.t(xs2, xv2), w2 = c.t(ks2, wv2), b2 = c.t([1], bv2), dy2 = c.t(ys2, dyv2);
  const y2 = c.out(ys2), dx2 = c.out(xs2), dw2 = c.out(ks2);
  const [kt, kti, ktf] = await c.run([
    await conv.conv2dForward(c.gpu, g2, x2, w2, b2, y2, 'tanh'),
    await conv.conv2dBackwardInput(c.gpu, g2, dy2, w2, dx2),
    await conv.conv2dBackwardFilter(c.gpu, g2, x2, dy2, dw2),
  ]);
  const y2W = f64(size(ys2)), dx2W = f64(size(xs2)), dw2W = f64(size(ks2));
  convCpu.conv2dForward(g2, xv2, wv2, bv2, y2W, 'tanh');
  convCpu.conv2dBackwardInput(g2, dyv2, wv2, dx2W);
  convCpu.conv2dBackwardFilter(g2, xv2, dyv2, dw2W);
  await c.expect(kt, 'conv2d 7x7 -> 1 channel +tanh', y2, y2W);
  await c.expect(kti, 'conv2d 7x7 -> 1 channel input gradient', dx2, dx2W);
  await c.expect(ktf, 'conv2d 7x7 -> 1 channel filter gradient', dw2, dw2W);

  // Conv2DTranspose k4 s2 (Keras kernel [KH,KW,Cout,Cin]): forward with bias, both gradients.
  const xs3 = [2, 4, 4, 8], ks3 = [4, 4, 6, 8];
  const g3 = conv2dTransposeGeometry('bench convT', xs3, ks3, 2, 'same');
  const ys3 = [g3.N, g3.H, g3.W, g3.C];
  const xv3 = r.normal(size(xs3)), wv3 = r.normal(size(ks3), 0.2), bv3 = r.normal(g3.C), dyv3 = r.normal(size(ys3));
  const x3 = c.t(xs3, xv3), w3 = c.t(ks3, wv3), b3 = c.t([g3.C], bv3), dy3 = c.t(ys3, dyv3);
  const y3 = c.out(ys3), dx3 = c.out(xs3), dw3 = c.out(ks3);
  const [kT, kTi, kTf] = await c.run([
    await conv.conv2dTransposeForward(c.gpu, g3, x3, w3, b3, y3),
    await conv.conv2dTransposeBackwardInput(c.gpu, g3, dy3, w3, dx3),
    await conv.conv2dTransposeBackwardFilter(c.gpu, g3, x3, dy3, dw3),
  ]);
  const y3W = f64(size(ys3)), dx3W = f64(size(xs3)), dw3W = f64(size(ks3));
  convCpu.conv2dTransposeForward(g3, xv3, wv3, bv3, y3W);
  convCpu.conv2dTransposeBackwardInput(g3, dyv3, wv3, dx3W);
  convCpu.conv2dTransposeBackwardFilter(g3, xv3, dyv3, dw3W);
  await c.expect(kT, 'conv2dTranspose forward +bias', y3, y3W);
  await c.expect(kTi, 'conv2dTranspose input gradient', dx3, dx3W);
  await c.expect(kTf, 'conv2dTranspose filter gradient', dw3, dw3W);
}

async function checkDense(c: Checker): Promise<void> {
  const r = rng(2);
  const N = 3, I = 37, O = 70;
  const xv = r.normal(N * I), wv = r.normal(I * O, 0.2), bv = r.normal(O), dyv = r.normal(N * O);
  const x = c.t([N, I], xv), w = c.t([I, O], wv), b = c.t([O], bv), dy = c.t([N, O], dyv);
  const y = c.out([N, O]), dx = c.out([N, I]), dw = c.out([I, O]);
  const [kf, kbi, kbf] = await c.run([
    await dense.denseForward(c.gpu, x, w, b, y),
    await dense.denseBackwardInput(c.gpu, dy, w, dx),
    await dense.denseBackwardFilter(c.gpu, x, dy, dw),
  ]);
  const yW = f64(N * O), dxW = f64(N * I), dwW = f64(I * O);
  denseCpu.denseForward(xv, wv, bv, yW);
  denseCpu.denseBackwardInput(dyv, wv, dxW);
  denseCpu.denseBackwardFilter(xv, dyv, dwW);
  await c.expect(kf, 'dense forward +bias', y, yW);
  await c.expect(kbi, 'dense input gradient', dx, dxW);
  await c.expect(kbf, 'dense filter gradient', dw, dwW);
}

async function checkBatchNorm(c: Checker, shape: number[], activation: bn.BatchNormActivation, unbiased: boolean): Promise<void> {
  const r = rng(3 + shape.length);
  const C = shape[shape.length - 1], n = size(shape);
  const xv = r.normal(n, 2), gv = r.uniform(C, 0.5, 1.5), bv = r.normal(C, 0.3), dyv = r.normal(n);
  const mmv = r.normal(C, 0.1), mvv = r.uniform(C, 0.5, 1.5);
  const opts = { unbiasedMovingVariance: unbiased };
  // The CPU's statistics and outputs, uploaded in f32, feed the GPU's later kernels, so each
  // kernel is checked on its own.
  const statsW = f64(2 * C), mmW = Float64Array.from(mmv), mvW = Float64Array.from(mvv);
  bnCpu.batchNormStats(xv, statsW, mmW, mvW, opts);
  const stats32 = Float32Array.from(statsW);
  const yW = f64(n), yInfW = f64(n);
  bnCpu.batchNormApply(xv, stats32, gv, bv, yW, activation);
  bnCpu.batchNormInference(xv, mmv, mvv, gv, bv, yInfW, activation);
  const y32 = Float32Array.from(yW);
  const dgW = f64(C), dbW = f64(C);
  bnCpu.batchNormBackwardReduce(xv, y32, dyv, stats32, dgW, dbW, activation);
  const dg32 = Float32Array.from(dgW), db32 = Float32Array.from(dbW);
  const dxW = f64(n);
  bnCpu.batchNormBackwardInput(xv, y32, dyv, stats32, gv, dg32, db32, dxW, activation);

  const x = c.t(shape, xv), gamma = c.t([C], gv), beta = c.t([C], bv), dy = c.t(shape, dyv);
  const mm = c.t([C], mmv), mv = c.t([C], mvv), mmInf = c.t([C], mmv), mvInf = c.t([C], mvv);
  const statsIn = c.t([2, C], stats32), yIn = c.t(shape, y32), dgIn = c.t([C], dg32), dbIn = c.t([C], db32);
  const stats = c.out([2, C]), y = c.out(shape), yInf = c.out(shape), dg = c.out([C]), db = c.out([C]), dx = c.out(shape);
  const [ks, ka, ki, kr, kb] = await c.run([
    await bn.batchNormStats(c.gpu, x, stats, mm, mv, opts),
    await bn.batchNormApply(c.gpu, x, statsIn, gamma, beta, y, activation),
    await bn.batchNormInference(c.gpu, x, mmInf, mvInf, gamma, beta, yInf, activation),
    await bn.batchNormBackwardReduce(c.gpu, x, yIn, dy, statsIn, dg, db, activation),
    await bn.batchNormBackwardInput(c.gpu, x, yIn, dy, statsIn, gamma, dgIn, dbIn, dx, activation),
  ]);
  const at = `[${shape}] ${activation}`;
  await c.expect(ks, `batchnorm statistics ${at}`, stats, statsW);
  await c.expect(ks, `batchnorm moving mean ${at}`, mm, mmW);
  await c.expect(ks, `batchnorm moving variance ${at}`, mv, mvW);
  await c.expect(ka, `batchnorm apply ${at}`, y, yW);
  await c.expect(ki, `batchnorm inference ${at}`, yInf, yInfW);
  await c.expect(kr, `batchnorm dgamma ${at}`, dg, dgW);
  await c.expect(kr, `batchnorm dbeta ${at}`, db, dbW);
  await c.expect(kb, `batchnorm input gradient ${at}`, dx, dxW);
}

async function checkActivations(c: Checker): Promise<void> {
  const r = rng(4);
  const n = 1000;
  for (const a of ['relu', 'leaky_relu', 'tanh'] as const) {
    const xv = r.normal(n, 3), dyv = r.normal(n);
    const yWant = f64(n);
    actCpu.activationForward(a, xv, yWant);
    const y32 = Float32Array.from(yWant);
    const dxWant = f64(n);
    actCpu.activationBackward(a, y32, dyv, dxWant);
    const x = c.t([n], xv), yIn = c.t([n], y32), dy = c.t([n], dyv), y = c.out([n]), dx = c.out([n]);
    const [kf, kb] = await c.run([await act.activationForward(c.gpu, a, x, y), await act.activationBackward(c.gpu, a, yIn, dy, dx)]);
    await c.expect(kf, `${a} forward`, y, yWant);
    await c.expect(kb, `${a} backward`, dx, dxWant);
  }
}

async function checkLossAndOptimizer(c: Checker): Promise<void> {
  const r = rng(5);
  // MSE: loss into slot 1 of a 3-value buffer, gradient alongside.
  const n = 37, yv = r.normal(n);
  const y = c.t([n, 1], yv), dy = c.out([n, 1]), loss = c.t([3], [7, NaN, 9]);
  const [km] = await c.run([await mse.mseLoss(c.gpu, y, 1, dy, loss, 1)]);
  const dyW = f64(n), lossW = Float64Array.from([7, NaN, 9]);
  mseCpu.mseLoss(yv, 1, dyW, lossW, 1);
  await c.expect(km, 'mse gradient', dy, dyW);
  await c.expect(km, 'mse loss (3 slots, one written)', loss, lossW);

  // Adam: tick from step 4 to 5, then one update at step 5.
  const m = 1000, hyper = { lr: 0.0002, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };
  const wv = r.normal(m, 0.01), gv = r.normal(m), mv = r.normal(m, 0.1), vv = r.uniform(m, 0, 0.1);
  const step = c.t([1], [4]), w = c.t([m], wv), g = c.t([m], gv), mt = c.t([m], mv), vt = c.t([m], vv);
  const [kt, ku] = await c.run([await adam.adamTick(c.gpu, step), await adam.adamUpdate(c.gpu, w, g, mt, vt, step, hyper)]);
  const stepW = Float64Array.from([4]), wW = Float64Array.from(wv), mW = Float64Array.from(mv), vW = Float64Array.from(vv);
  adamCpu.adamTick(stepW);
  adamCpu.adamUpdate(wW, gv, mW, vW, stepW, hyper);
  await c.expect(kt, 'adam step counter', step, stepW);
  // The update is lr-sized on O(1) weights: compare the change, not the weights, or any error hides.
  const wGot = await c.gpu.read(w);
  await c.expect(ku, 'adam update w - w0', wGot.map((x, i) => x - wv[i]), wW.map((x, i) => x - wv[i]));
  await c.expect(ku, 'adam first moment', mt, mW);
  await c.expect(ku, 'adam second moment', vt, vW);

  // Gradient accumulation.
  const sv = r.normal(m), av = r.normal(m);
  const src = c.t([m], sv), accT = c.t([m], av);
  const [ka] = await c.run([await ew.addInto(c.gpu, src, accT)]);
  const accW = Float64Array.from(av);
  ewCpu.addInto(sv, accW);
  await c.expect(ka, 'add_into', accT, accW);
}

async function checkInputs(c: Checker): Promise<void> {
  const step = c.t([1], [12]);
  const nz = 2 * 101;
  const z = c.out([2, 101]);
  const idx = c.t([21], new Float32Array(21));
  const optsN = { seed: 7, stream: 2 }, optsI = { seed: 7, stream: 0, n: 50 };
  const [kn, ki] = await c.run([await random.randomNormal(c.gpu, z, step, optsN), await random.randomInt(c.gpu, idx, step, optsI)]);
  const zW = f64(nz), iW = new Uint32Array(21);
  randomCpu.randomNormal(zW, Float64Array.from([12]), optsN);
  randomCpu.randomInt(iW, Float64Array.from([12]), optsI);
  await c.expect(kn, 'philox normal', z, zW);
  await c.expect(ki, 'philox uniform_int', await c.gpu.readU32(idx), iW);

  // The real batch: 50 images of 28x28 random bytes, gathered at the drawn indices.
  const pixels = Uint8Array.from({ length: 50 * 784 }, (_, i) => (i * 2654435761) >>> 24);
  const images = mnist.uploadImages(c.gpu, pixels, 'bench check images');
  const out = c.out([21, 28, 28, 1]);
  const [kg] = await c.run([await mnist.gatherBatch(c.gpu, images, 50, idx, out)]);
  images.buffer.destroy();
  const outW = f64(21 * 784);
  mnistCpu.gatherBatch(pixels, 784, iW, outW);
  await c.expect(kg, 'gather_batch', out, outW);
}

/**
 * Runs every check; `entries` (the entry points of the work to be timed) are matched against
 * the entry points checked, and those left over are reported as unchecked.
 */
export async function checkKernels(gpu: Gpu, entries: Iterable<string>): Promise<Correctness> {
  const c = new Checker(gpu);
  try {
    await checkConv(c);
    await checkDense(c);
    await checkBatchNorm(c, [3, 5, 5, 12], 'leaky_relu', true);
    await checkBatchNorm(c, [6, 40], 'relu', false);
    await checkActivations(c);
    await checkLossAndOptimizer(c);
    await checkInputs(c);
  } finally {
    c.destroy();
  }
  const checked = new Set(c.records.filter((r) => r.pass).map((r) => r.entry));
  const all = new Set(c.records.map((r) => r.entry));
  const unchecked = [...new Set(entries)].filter((e) => !all.has(e)).sort();
  return { tolerance: TOLERANCE_RULE, checks: c.records, unchecked, pass: c.records.every((r) => r.pass) && [...all].every((e) => checked.has(e)) };
}
