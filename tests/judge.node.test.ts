// The shipped judge (judge/judge.safetensors) and its test statistics, checked against what
// they claim, on Node + Dawn (lavapipe): its accuracy on the first 1,000 MNIST test digits,
// and the feature statistics recomputed on all 10,000 test digits.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { frechetDistance, featureStats } from '../src/lsgan/frechet';
import { decodeStats, loadJudge } from '../src/lsgan/judge-file';
import { buildJudge, JUDGE_FEATURES } from '../src/lsgan/judge-model';
import { accuracy, judgeDigits } from '../src/lsgan/judge-read';
import { loadLabelledMnist } from '../src/lsgan/mnist-sets-node';
import { compare } from './helpers/compare';
import { testGpu } from './helpers/gpu';

const root = join(import.meta.dirname, '..');
const gpu = await testGpu();
const judgeFile = join(root, 'judge', 'judge.safetensors'), statsFile = join(root, 'judge', 'test-stats.safetensors');

describe.skipIf(gpu === null)('the shipped judge', () => {
  const bytes = new Uint8Array(readFileSync(judgeFile));
  const judge = buildJudge(gpu!);
  const info = loadJudge(gpu!, judgeFile, bytes, judge);
  const test10k = loadLabelledMnist('t10k');
  afterAll(() => judge.destroy());

  test('its metadata states >= 98.5% on the 10,000 test digits, and how it was made', () => {
    expect(Number(info.test_accuracy)).toBeGreaterThanOrEqual(0.985);
    expect(info.test_digits).toBe('10000');
    expect(info.command).toMatch(/^lsgan train-judge/);
    expect(info.seed).toMatch(/^\d+$/);
  });

  test('it reproduces the stated accuracy on the first 1,000 test digits', async () => {
    const r = await judgeDigits(gpu!, judge, test10k.images, { count: 1000 });
    const acc = accuracy(r.logits, test10k.labels.subarray(0, 1000));
    const stated = Number(info.test_accuracy_first_1000);
    console.log(`first 1,000 test digits: ${(100 * acc).toFixed(1)}% (stated ${(100 * stated).toFixed(1)}%; all 10,000: ${(100 * Number(info.test_accuracy)).toFixed(2)}%)`);
    // Another adapter or kernel family rounds differently; a digit on the edge may flip: 0.3%.
    expect(Math.abs(acc - stated)).toBeLessThanOrEqual(0.003);
  });

  test('its test statistics match a recomputation on all 10,000 test digits', async () => {
    const stored = decodeStats(statsFile, new Uint8Array(readFileSync(statsFile)), judgeFile, bytes);
    const r = await judgeDigits(gpu!, judge, test10k.images);
    const again = featureStats(r.features, 10000, JUDGE_FEATURES);
    expect(stored.count).toBe(10000);
    // f32 storage of the statistics (6e-8) and f32 features summed over 3,136 terms.
    compare('test feature mean', stored.mean, again.mean, { scale: 1e-5 });
    compare('test feature covariance', stored.covariance, again.covariance, { scale: 1e-5 });
    const fd = frechetDistance(stored, again);
    console.log(`FD between the stored and the recomputed statistics: ${fd.toExponential(2)}`);
    expect(fd).toBeLessThan(1e-3);
  });
});
