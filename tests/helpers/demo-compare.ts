// Comparisons of the demo's output with the library's in Node: pixels of two renderings of
// the same generator, and `lsgan score` in process.

import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { join } from 'node:path';
import { expect } from 'vitest';
import { generate } from '../../src/cli/generate';
import { loadJudgeFiles } from '../../src/cli/judge-files';
import type { Gpu } from '../../src/kernels/gpu';
import { generatorMeta, loadGenerator } from '../../src/lsgan/checkpoint';
import { buildGenerator } from '../../src/lsgan/models';
import { GeneratorScorer } from '../../src/lsgan/score';
import { root } from './demo-site';

type Gray = { width: number; height: number; gray: number[] };

/** Two renderings of the same generator on different adapters differ by float rounding only. */
export function expectSamePixels(a: Gray, b: Gray): void {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let worst = 0, differ = 0;
  a.gray.forEach((v, i) => {
    const d = Math.abs(v - b.gray[i]);
    worst = Math.max(worst, d);
    if (d > 0) differ++;
  });
  console.log(`page vs CLI pixels: max difference ${worst} gray levels, ${differ} of ${a.gray.length} pixels differ`);
  // One gray level is 1/255 of the range: rounding of values within ~1e-5 of each other.
  expect(worst).toBeLessThanOrEqual(1);
  expect(differ / a.gray.length).toBeLessThan(0.01);
}

/** `lsgan generate --model FILE --n N --seed S`, in process on Dawn, decoded. */
export async function cliGenerate(gpu: Gpu, dir: string, model: string, n: number, seed: number): Promise<Gray> {
  const out = join(dir, `cli-${seed}.png`);
  await generate(gpu, { model, n, seed, out, interpolate: false });
  const png = decode(readFileSync(out));
  return { width: png.width, height: png.height, gray: Array.from(png.data) };
}

/** `lsgan score --model FILE --n N` in process on Dawn (the shipped judge, seed 1). */
export async function scoreInNode(gpu: Gpu, model: string, n: number) {
  const bytes = new Uint8Array(readFileSync(model));
  const { st, latent } = generatorMeta(model, bytes);
  const g = buildGenerator(gpu, latent);
  loadGenerator(gpu, model, st, g);
  const j = loadJudgeFiles(gpu, join(root, 'judge'));
  const scorer = await GeneratorScorer.create(gpu, j.judge, g, 1);
  const s = await scorer.score(n, j.stats);
  scorer.destroy();
  j.judge.destroy();
  g.destroy();
  return s;
}
