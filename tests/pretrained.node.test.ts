// The shipped generator (pretrained/generator.safetensors) is what pretrained/README.md and the
// README say it is: it loads through the strict reader (checksums verified), its metadata names
// the run that made it, and scoring it again with the judge, on the score's own latent points,
// reproduces the score written into it during training, a score of real digits (all ten classes,
// class entropy >= 3.1 bits, the Fréchet distance a tenth of the step-0 generator's or less).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { generatorMeta } from '../src/lsgan/checkpoint';
import { buildCli, root } from './helpers/cli-process';

const file = join(root, 'pretrained', 'generator.safetensors');
/** The step-0 generator's Fréchet distance over 1,000 digits (README's calibration table). */
const STEP0_FD = 898.47;

interface Recorded { step: number; n: number; seed: number; fd: number; confidence: number; entropy_bits: number; classes: number[]; judge_sha256: string }

/** The score written into the file when training kept it as the best so far. */
function recorded(): { step: number; batch: number; score: Recorded } {
  const { st, step } = generatorMeta(file, new Uint8Array(readFileSync(file)));
  const config = JSON.parse(st.metadata.config!) as { batch: number };
  return { step, batch: config.batch, score: JSON.parse(st.metadata.score!) as Recorded };
}

let cli = '';
beforeAll(() => { cli = buildCli('pretrained-cli'); }, 120_000);

describe('the shipped generator', () => {
  test('its metadata records the run and the score that chose it', () => {
    expect(existsSync(file), `${file} is shipped`).toBe(true);
    const { step, batch, score: s } = recorded();
    expect(batch).toBe(32);
    expect(s.step).toBe(step);
    expect(s.n).toBe(1000);
    expect(s.classes.length).toBe(10);
    expect(s.classes.every((c) => c > 0)).toBe(true);
    expect(s.entropy_bits).toBeGreaterThanOrEqual(3.1);
    expect(s.fd).toBeLessThan(STEP0_FD / 10);
    const judge = readFileSync(join(root, 'judge', 'judge.safetensors'));
    expect(s.judge_sha256).toBe(createHash('sha256').update(judge).digest('hex'));
  });

  test('lsgan score on it reproduces the recorded score', () => {
    const s = recorded().score;
    const r = spawnSync(process.execPath, [cli, 'score', '--model', file, '--n', String(s.n), '--seed', String(s.seed)], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'))!;
    const got = JSON.parse(line) as { fd: number; confidence: number; entropy_bits: number; classes: number[] };
    console.log(`recorded at step ${s.step}: FD ${s.fd}, entropy ${s.entropy_bits}; now: FD ${got.fd}, entropy ${got.entropy_bits}, classes ${got.classes.join(' ')}`);
    // The same weights, latent points and kernels: equal up to the adapter's float rounding
    // (another CPU's lavapipe may fuse differently); a different generator differs by percents.
    expect(Math.abs(got.fd - s.fd)).toBeLessThanOrEqual(1e-3 * s.fd);
    expect(Math.abs(got.entropy_bits - s.entropy_bits)).toBeLessThanOrEqual(1e-3);
    expect(got.classes.reduce((x, y) => x + y, 0)).toBe(s.n);
    for (let c = 0; c < 10; c++) expect(Math.abs(got.classes[c] - s.classes[c]), `class ${c}`).toBeLessThanOrEqual(2);
  }, 600_000);
});
