// `lsgan generate`: load a saved generator, draw a 10x10 grid (the tutorial's second script).

import { basename, dirname } from 'node:path';
import type { Gpu } from '../kernels/gpu';
import { generatorMeta, loadGenerator } from '../lsgan/checkpoint';
import { readInputFile } from '../lsgan/file-node';
import { imageGrid } from '../lsgan/grid';
import { buildGenerator } from '../lsgan/models';
import { CheckpointError } from '../lsgan/safetensors';
import { interpolateLatent, Sampler } from '../lsgan/sampler';
import { checkOutputFile, cleanStaleTemps } from './files';
import { grayPng, writeAtomic } from './png';

export interface GenerateOptions {
  model: string;
  n: number;
  seed: number;
  out: string;
  interpolate: boolean;
}

export async function generate(gpu: Gpu, o: GenerateOptions): Promise<number> {
  if (!Number.isInteger(o.n) || o.n < 1 || o.n > 10000) throw new Error(`--n ${o.n}: expected a whole number of images from 1 to 10000`);
  checkOutputFile('--out', o.out);
  for (const line of cleanStaleTemps(dirname(o.out), basename(o.out))) console.log(line);
  const bytes = readInputFile(o.model, { what: 'a checkpoint', error: (m) => new CheckpointError(m), missingHint: ' (--model needs a model_*.safetensors or a run.safetensors)' });
  const { st, latent, step } = generatorMeta(o.model, bytes);
  const g = buildGenerator(gpu, latent);
  loadGenerator(gpu, o.model, st, g);
  const cols = o.interpolate ? 10 : Math.min(10, o.n);
  const n = o.interpolate ? Math.ceil(o.n / 10) * 10 : o.n;
  const sampler = await Sampler.create(gpu, g, n, o.seed);
  let pixels: Float32Array;
  if (o.interpolate) {
    // Each row walks a straight line between two latent points drawn from the seed.
    const rows = n / 10;
    const ends = await Sampler.create(gpu, g, 2 * rows, o.seed);
    await ends.fresh(0);
    pixels = await sampler.fromLatent(interpolateLatent(await ends.latentPoints(), latent, rows, 10));
    ends.destroy();
  } else {
    pixels = await sampler.fresh(0);
  }
  writeAtomic(o.out, grayPng(imageGrid(pixels, n, 28, 28, { cols })));
  console.log(`wrote ${o.out}: ${n} images from ${o.model} (iteration ${step}), seed ${o.seed}${o.interpolate ? ', interpolated rows' : ''}`);
  sampler.destroy();
  return 0;
}
