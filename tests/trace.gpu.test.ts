// The tape's accumulation path: a tensor that feeds two consumers receives the sum of both
// gradients. (The LSGAN's models are sequential, so the whole-model test never takes it.)

import { describe, expect, test } from 'vitest';
import * as act from '../src/kernels/activation.cpu';
import * as dense from '../src/kernels/dense.cpu';
import { runKernels } from '../src/kernels/kernel';
import { ActivationLayer, Dense } from '../src/nn/layers';
import { Trace } from '../src/nn/trace';
import { compare } from './helpers/compare';
import { testGpu, withGpu } from './helpers/gpu';
import { f32, randn, rng } from './helpers/random';
import { GPU_BACKWARD } from './helpers/tolerances';

const gpu = await testGpu();

describe.skipIf(gpu === null)('Trace', () => {
  test('h = dense(z) feeds relu and tanh: dW = z^T (relu\'(h) dy1 + tanh\'(h) dy2)', () =>
    withGpu(gpu!, async (s) => {
      const N = 5, I = 7, O = 9, r = rng(21);
      const layer = new Dense(gpu!, 'dense', I, O);
      const wv = f32(randn(r, I * O, 0.5)), zv = f32(randn(r, N * I)), dy1v = f32(randn(r, N * O)), dy2v = f32(randn(r, N * O));
      gpu!.write(layer.kernel.value, wv);
      const z = s.tensor([N, I], 'z', zv), dy1 = s.tensor([N, O], 'dy1', dy1v), dy2 = s.tensor([N, O], 'dy2', dy2v);

      const t = new Trace(gpu!, 'two consumers', { training: true, grad: true });
      const h = await layer.forward(t, z);
      const y1 = await new ActivationLayer('relu', 'relu').forward(t, h);
      const y2 = await new ActivationLayer('tanh', 'tanh').forward(t, h);
      t.seed(y1, dy1);
      t.seed(y2, dy2);
      await t.runBackward();
      expect(t.backward.map((k) => k.name.split(' ')[0])).toContain('elementwise.wgsl:add_into');
      runKernels(gpu!, [...t.forward, ...t.backward]);

      const hv = new Float64Array(N * O), y1v = new Float64Array(N * O), y2v = new Float64Array(N * O);
      dense.denseForward(zv, wv, new Float64Array(O), hv);
      act.activationForward('relu', hv, y1v);
      act.activationForward('tanh', hv, y2v);
      const dh1 = new Float64Array(N * O), dh2 = new Float64Array(N * O);
      act.activationBackward('relu', y1v, dy1v, dh1);
      act.activationBackward('tanh', y2v, dy2v, dh2);
      const dh = dh1.map((v, i) => v + dh2[i]);
      const dW = new Float64Array(I * O);
      dense.denseBackwardFilter(zv, dh, dW);
      compare('dW through two consumers', await s.read(layer.kernel.grad), dW, GPU_BACKWARD);
      t.destroy();
      layer.params.forEach((p) => { p.value.buffer.destroy(); p.grad.buffer.destroy(); });
    }));
});
