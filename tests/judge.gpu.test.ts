// The MNIST judge on the GPU (both kernel families): its whole backward pass against the
// derivative of the same model composed from the CPU twins in f64, and its training loop learning a small synthetic task the same way
// twice from the same seed. No MNIST files here, so the same test runs in the browser.

import { describe, expect, test } from 'vitest';
import * as cpuAct from '../src/kernels/activation.cpu';
import { conv2dGeometry } from '../src/kernels/conv-geometry';
import * as cpuConv from '../src/kernels/conv2d.cpu';
import * as cpuDense from '../src/kernels/dense.cpu';
import { runKernels } from '../src/kernels/kernel';
import { softmaxCrossEntropy, writeLabels } from '../src/kernels/softmax-xent';
import * as cpuXent from '../src/kernels/softmax-xent.cpu';
import { Trace } from '../src/nn/trace';
import { buildJudge, initializeJudge, judgeForward } from '../src/lsgan/judge-model';
import { JudgeTrainer, shuffled } from '../src/lsgan/judge-train';
import { FAMILIES, testGpu, withGpu } from './helpers/gpu';
import { f32, randn, rng } from './helpers/random';

const gpu = await testGpu();

/** n synthetic 28x28 "digits": one of 10 random prototypes plus noise, labelled by prototype. */
function synthetic(n: number, seed: number): { pixels: Uint8Array; labels: Uint8Array } {
  const r = rng(seed);
  const protos = Array.from({ length: 10 }, () => Array.from({ length: 784 }, () => (r() < 0.2 ? 255 : 0)));
  const pixels = new Uint8Array(n * 784), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    for (let p = 0; p < 784; p++) pixels[i * 784 + p] = r() < 0.1 ? 255 - protos[labels[i]][p] : protos[labels[i]][p];
  }
  return { pixels, labels };
}

describe.skipIf(gpu === null).each(FAMILIES)('the judge, %s kernels', (family) => {
  test('its gradient, every parameter, is the derivative of the f64 twins\' loss along a random direction', () =>
    withGpu(gpu!, async (s) => {
      const judge = buildJudge(gpu!);
      await initializeJudge(gpu!, judge, 7);
      const N = 16, r = rng(3);
      const xs = f32(randn(r, N * 784, 0.6));
      const x = s.tensor([N, 28, 28, 1], 'x', xs);
      const labs = Array.from({ length: N }, (_, i) => (i * 7) % 10);
      const labels = s.tensor([N], 'labels');
      writeLabels(gpu!, labels, labs);
      const loss = s.tensor([1], 'loss');
      const t = new Trace(gpu!, 'judge_grad', { training: true, grad: true });
      const { logits } = await judgeForward(t, judge, x);
      const dz = t.tensor(logits.shape, 'dz');
      await t.run(softmaxCrossEntropy(gpu!, logits, labels, dz, loss, 0));
      t.seed(logits, dz);
      await t.runBackward();
      runKernels(gpu!, [...t.forward, ...t.backward]);
      const w0 = await Promise.all(judge.params.map(async (p) => Float64Array.from(await gpu!.read(p.value))));
      const grads = await Promise.all(judge.params.map((p) => gpu!.read(p.grad)));
      // The judge composed from the CPU twins in f64, on the same (f32) weights and digits.
      const g1 = conv2dGeometry('conv2d', [N, 28, 28, 1], [3, 3, 1, 32], 2, 'same');
      const g2 = conv2dGeometry('conv2d_1', [N, 14, 14, 32], [3, 3, 32, 64], 2, 'same');
      const twinLoss = (w: Float64Array[]) => {
        const y1 = new Float64Array(N * 14 * 14 * 32), y2 = new Float64Array(N * 7 * 7 * 64);
        const y3 = new Float64Array(N * 128), h3 = new Float64Array(N * 128), z = new Float64Array(N * 10);
        cpuConv.conv2dForward(g1, xs, w[0], w[1], y1, 'relu');
        cpuConv.conv2dForward(g2, y1, w[2], w[3], y2, 'relu');
        cpuDense.denseForward(y2, w[4], w[5], y3);
        cpuAct.activationForward('relu', y3, h3);
        cpuDense.denseForward(h3, w[6], w[7], z);
        const l = new Float64Array(1);
        cpuXent.softmaxCrossEntropy(z, labs, new Float64Array(N * 10), l, 0);
        return l[0];
      };
      expect(Math.abs(twinLoss(w0) - (await gpu!.read(loss))[0])).toBeLessThan(1e-5);
      // h = 1e-6 in f64: rounding ~1e-10, and few ReLU inputs cross 0 (at 1e-4 they already cost 1%).
      const h = 1e-6;
      judge.params.forEach((p, k) => {
        const std = Math.sqrt(w0[k].reduce((a, v) => a + v * v, 0) / w0[k].length) || 0.05;
        const d = randn(r, w0[k].length, std);
        const moved = (sign: number) => w0.map((w, j) => (j === k ? w.map((v, i) => v + sign * h * d[i]) : w));
        const numeric = (twinLoss(moved(1)) - twinLoss(moved(-1))) / (2 * h);
        let analytic = 0;
        grads[k].forEach((g, i) => { analytic += g * d[i]; });
        console.log(`${family} ${p.name}: GPU gradient . d ${analytic.toExponential(6)}, twins' central difference ${numeric.toExponential(6)}`);
        // The GPU sums in f32 over up to N*14*14 = 3,136 terms: 1e-4 of the derivative.
        expect(Math.abs(numeric - analytic)).toBeLessThan(1e-4 * Math.abs(numeric) + 1e-7);
      });
      t.destroy();
      judge.destroy();
    }, family));
});

// The loop itself, on the device's own kernel family (the kernels are proven per family above;
// the gpu family takes minutes here on SwiftShader).
describe.skipIf(gpu === null)('the judge\'s training loop', () => {
  test('training learns a synthetic 10-class task, identically twice from the same seed', () =>
    withGpu(gpu!, async () => {
      const data = synthetic(640, 1);
      const images = { count: 640, rows: 28, cols: 28, pixels: data.pixels };
      const run = async () => {
        const judge = buildJudge(gpu!);
        await initializeJudge(gpu!, judge, 11);
        const trainer = await JudgeTrainer.create(gpu!, judge, images, 64, 0.001);
        const losses: number[] = [];
        for (let e = 0; e < 2; e++) await trainer.epoch(data.labels, 5, e, (_b, _of, l) => losses.push(l));
        const first = await gpu!.read(judge.params[0].value);
        trainer.destroy();
        judge.destroy();
        return { losses, first };
      };
      const a = await run(), b = await run();
      console.log(`${gpu!.kernels} kernels: losses at the end of each epoch ${a.losses.map((l) => l.toFixed(4)).join(', ')}`);
      // Chance is ln 10 = 2.30; 20 Adam steps on prototypes plus 10% flipped pixels get far below it.
      expect(a.losses[a.losses.length - 1]).toBeLessThan(0.5);
      expect(b.losses).toEqual(a.losses);
      expect(Array.from(b.first)).toEqual(Array.from(a.first));
    }));
});

describe('the epoch shuffle', () => {
  test('is a permutation, fixed by (seed, epoch)', () => {
    const p = shuffled(1000, 1, 0);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(shuffled(1000, 1, 0))).toEqual(Array.from(p));
    expect(Array.from(shuffled(1000, 1, 1))).not.toEqual(Array.from(p));
    expect(Array.from(shuffled(1000, 2, 0))).not.toEqual(Array.from(p));
  });
});
