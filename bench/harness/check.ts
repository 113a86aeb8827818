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
import * as ew from '../../src/kernels/elementwise';
import * as ewCpu from '../../src/kernels/elementwise.cpu';
import type { Gpu } from '../../src/kernels/gpu';
import * as mnist from '../../src/kernels/mnist';
import * as mnistCpu from '../../src/kernels/mnist.cpu';
import * as mse from '../../src/kernels/mse';
import * as mseCpu from '../../src/kernels/mse.cpu';
import * as random from '../../src/kernels/random';
import * as randomCpu from '../../src/kernels/random.cpu';
import { checkConv, checkDense } from './check-conv';
import { Checker, f64, rng, size, TOLERANCE_RULE } from './check-util';
import type { Correctness } from './types';

export { entryOf, relativeError, TOLERANCE, TOLERANCE_RULE } from './check-util';

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
