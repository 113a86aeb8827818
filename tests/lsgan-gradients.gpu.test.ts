// The whole-model check: one discriminator update's and one composite update's parameter
// gradients, losses and BatchNormalization moving statistics on the GPU (through the
// autodiff layer) against the CPU reference composed from the kernels' twins in f64.

import { describe, expect, test } from 'vitest';
import { runKernels } from '../src/kernels/kernel';
import { mseLoss } from '../src/kernels/mse';
import { initializeKeras } from '../src/lsgan/init';
import { isBatchNormParam } from '../src/lsgan/lsgan';
import { buildDiscriminator, buildGenerator, countParams } from '../src/lsgan/models';
import type { Sequential } from '../src/nn/layers';
import type { Param } from '../src/nn/param';
import { Trace } from '../src/nn/trace';
import { compare } from './helpers/compare';
import { FAMILIES, testGpu, withGpu } from './helpers/gpu';
import { cpuForward, cpuMse, type Arrays } from './helpers/lsgan-reference';
import { f32, randn, rng, uniform } from './helpers/random';

const gpu = await testGpu();

/** Whole-model gradients pass through up to 8 layers and 4 batch normalisations in f32 at a
 *  small batch, where BatchNorm's backward subtracts nearly equal sums: 1e-4 relative to the
 *  gradient's scale. Losses and moving statistics: 1e-4 relative. */
const WHOLE_MODEL = { scale: 1e-4, atol: 1e-5 } as const;
// The atol: a bias followed by BatchNormalization has an exactly zero gradient (the batch
// mean removes it), so its own scale is ~1e-15 and f32 leaves residues ~1e-6; 1e-5 is
// 1e-5 of the kernels' gradient scale (about 1 to 8 here).
const LOSSES = { rtol: 1e-4, atol: 1e-6 } as const;

async function readValues(models: Sequential[]): Promise<Arrays> {
  const m: Arrays = new Map();
  for (const model of models) for (const t of [...model.params.map((p) => ({ name: p.name, value: p.value })), ...model.state]) m.set(t.name, Float64Array.from(await gpu!.read(t.value)));
  return m;
}

async function compareGrads(label: string, params: Param[], want: Arrays): Promise<void> {
  for (const p of params) {
    const w = want.get(p.name);
    expect(w, `${label}: reference has a gradient for ${p.name}`).toBeDefined();
    compare(`${label} d(${p.name})`, Float64Array.from(await gpu!.read(p.grad)), w!, WHOLE_MODEL);
  }
}

async function compareState(label: string, model: Sequential, want: Arrays): Promise<void> {
  for (const s of model.state) compare(`${label} ${s.name}`, Float64Array.from(await gpu!.read(s.value)), want.get(s.name)!, LOSSES);
}

describe.skipIf(gpu === null).each(FAMILIES)('LSGAN whole-model gradients vs the CPU reference, %s family', (family) => {
  test('parameter counts match SPEC.md', () =>
    withGpu(gpu!, async () => {
      expect(countParams(buildDiscriminator(gpu!))).toEqual({ trainable: 138_945, state: 384 });
      expect(countParams(buildGenerator(gpu!))).toEqual({ trainable: 1_951_105, state: 25_472 });
    }, family));

  test('discriminator update on real images (target 1), batch 4', () =>
    withGpu(gpu!, async (s) => {
      const N = 4, r = rng(11);
      const d = buildDiscriminator(gpu!);
      await initializeKeras(gpu!, d, 5, 1000);
      const values = await readValues([d]);
      const xv = f32(uniform(r, N * 28 * 28, -1, 1));
      const x = s.tensor([N, 28, 28, 1], 'x', xv);
      const losses = s.tensor([3], 'losses');

      const t = new Trace(gpu!, 'd_real', { training: true, grad: true });
      const y = await d.forward(t, x);
      const dy = t.tensor(y.shape, 'dy');
      await t.run(mseLoss(gpu!, y, 1, dy, losses, 0));
      t.seed(y, dy);
      await t.runBackward();
      runKernels(gpu!, [...t.forward, ...t.backward]);

      const ref = cpuForward(d, values, xv, N, true);
      const { loss, dy: dyRef } = cpuMse(ref.out, 1);
      const grads: Arrays = new Map();
      ref.backward(dyRef, () => true, grads);
      compare('d_real loss', [(await gpu!.read(losses))[0]], [loss], LOSSES);
      await compareGrads('d_real', d.params, grads);
      await compareState('d_real', d, values);
      expect(t.forward.some((k) => k.name.startsWith('conv2d-cpu:'))).toBe(family === 'cpu');
      t.destroy();
    }, family));

  test('composite update (generator through the frozen discriminator, target 1), batch 4', () =>
    withGpu(gpu!, async (s) => {
      const N = 4, latent = 100, r = rng(12);
      const g = buildGenerator(gpu!, latent), d = buildDiscriminator(gpu!);
      await initializeKeras(gpu!, g, 6, 2000);
      await initializeKeras(gpu!, d, 6, 1000);
      const values = await readValues([g, d]);
      const zv = f32(randn(r, N * latent));
      const z = s.tensor([N, latent], 'z', zv);
      const losses = s.tensor([3], 'losses');
      const trainable = new Set<Param>([...g.params, ...d.params.filter(isBatchNormParam)]);

      const t = new Trace(gpu!, 'gan', { training: true, grad: true, trainable: (p) => trainable.has(p) });
      const y = await d.forward(t, await g.forward(t, z));
      const dy = t.tensor(y.shape, 'dy');
      await t.run(mseLoss(gpu!, y, 1, dy, losses, 2));
      t.seed(y, dy);
      await t.runBackward();
      // Frozen weights get no gradient kernels at all.
      expect(new Set(t.paramsWithGrad())).toEqual(trainable);
      runKernels(gpu!, [...t.forward, ...t.backward]);

      const gRef = cpuForward(g, values, zv, N, true);
      const dRef = cpuForward(d, values, gRef.out, N, true);
      const { loss, dy: dyRef } = cpuMse(dRef.out, 1);
      const names = new Set([...trainable].map((p) => p.name));
      const grads: Arrays = new Map();
      gRef.backward(dRef.backward(dyRef, (n) => names.has(n), grads), (n) => names.has(n), grads);
      compare('gan loss', [(await gpu!.read(losses))[2]], [loss], LOSSES);
      await compareGrads('gan', [...trainable], grads);
      await compareState('gan', g, values);
      await compareState('gan', d, values);
      expect(t.backward.some((k) => k.name.startsWith('conv2d-cpu:'))).toBe(family === 'cpu');
      t.destroy();
    }, family));
});
