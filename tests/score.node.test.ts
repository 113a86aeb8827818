// The judge's commands end to end on Node + Dawn (lavapipe): `lsgan score` on reference
// sources and on generator files and folders, scoring during `lsgan train` (scores.csv,
// model_best.safetensors, resume), and `generate` without --model. On a 10-image slice of
// MNIST, batch 2, so an epoch is 5 iterations; scores of 100 digits (one generator batch).

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { generatorMeta, readRun } from '../src/lsgan/checkpoint';
import { decodeScoreHistory, SCORES_KEY } from '../src/lsgan/run-scores';
import { buildCli, mnistSlice } from './helpers/cli-process';

const work = mkdtempSync(join(tmpdir(), 'lsgan-score-'));
const data = join(work, 'data');
let cli = '';

function lsgan(args: string[], cwd?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 600_000, cwd });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The JSON lines of a score command's output. */
function jsonLines(out: string): Array<Record<string, unknown>> {
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

const csvRows = (file: string) => readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));

beforeAll(() => {
  cli = buildCli('score-cli');
  mkdirSync(data);
  writeFileSync(join(data, 'train-images-idx3-ubyte'), mnistSlice(10));
}, 120_000);

const train = ['train', '--data', data, '--batch', '2', '--epochs', '1', '--seed', '3', '--score-n', '100', '--score-every', '2'];

describe('lsgan score and scores during training', () => {
  test('baselines: the same inputs give the same score; real test digits score far below noise', () => {
    const args = ['score', '--baseline', 'test-digits', '--baseline', 'noise', '--n', '300', '--seed', '2'];
    const a = lsgan(args), b = lsgan(args);
    expect(a.code, a.err).toBe(0);
    const [ja, jb] = [jsonLines(a.out), jsonLines(b.out)];
    expect(ja.length).toBe(2);
    const strip = (j: Record<string, unknown>) => ({ ...j, seconds: 0 });
    expect(ja.map(strip)).toEqual(jb.map(strip));
    const [real, noise] = ja as Array<{ fd: number; confidence: number; entropy_bits: number; classes: number[]; n: number }>;
    console.log(`n=300: test digits FD ${real.fd}, confidence ${real.confidence}, entropy ${real.entropy_bits}; noise FD ${noise.fd}, confidence ${noise.confidence}`);
    expect(real.classes.reduce((x, y) => x + y, 0)).toBe(300);
    expect(real.confidence).toBeGreaterThan(0.95);
    expect(real.entropy_bits).toBeGreaterThan(3.2);
    expect(noise.fd).toBeGreaterThan(20 * real.fd);
    // The human line follows each JSON line.
    expect(a.out).toMatch(/^baseline noise: Fréchet distance \d+\.\d\d over 300 digits, confidence 0\.\d{3}, classes 0:\d+ .* entropy \d\.\d\d of 3\.32 bits/m);
  });

  test('train scores at --score-every and epoch ends, keeps the best generator; a resumed run gives the same scores', () => {
    const one = join(work, 'one'), two = join(work, 'two');
    const r = lsgan([...train, '--out', one]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^scoring: 100 digits with .*judge\.safetensors at every epoch end and every 2 iterations/m);
    expect(r.out).toMatch(/^score at iteration 2: Fréchet distance/m);
    const rows = csvRows(join(one, 'scores.csv'));
    expect(rows.map((x) => x[0])).toEqual([2, 4, 5]);
    const best = rows.reduce((a, b) => (b[1] < a[1] ? b : a));
    const bestFile = join(one, 'model_best.safetensors');
    const bestMeta = generatorMeta(bestFile, new Uint8Array(readFileSync(bestFile)));
    expect(bestMeta.step).toBe(best[0]);
    // It carries its own score: the same distance as its row of scores.csv.
    const recorded = JSON.parse(bestMeta.st.metadata.score) as { step: number; n: number; fd: number };
    expect([recorded.step, recorded.n, recorded.fd]).toEqual([best[0], 100, best[1]]);
    const runFile = join(one, 'run.safetensors');
    const history = decodeScoreHistory(runFile, readRun(runFile, new Uint8Array(readFileSync(runFile))).st.metadata[SCORES_KEY], 5);
    expect(history.rows.map((x) => x.fd)).toEqual(rows.map((x) => x[1]));
    expect([history.n, history.every]).toEqual([100, 2]);

    expect(lsgan([...train, '--out', two, '--steps', '3']).code).toBe(0);
    expect(csvRows(join(two, 'scores.csv')).map((x) => x[0])).toEqual([2, 3]);
    // Resumed without the score flags: the run's own n, seed and cadence.
    const resumed = lsgan(['train', '--data', data, '--epochs', '1', '--out', two, '--resume', join(two, 'run.safetensors')]);
    expect(resumed.code, resumed.err).toBe(0);
    const again = csvRows(join(two, 'scores.csv'));
    // Step 3 was scored where the first part stopped; then the same cadence.
    expect(again.map((x) => x[0])).toEqual([2, 3, 4, 5]);
    const pick = (rs: number[][], step: number) => rs.find((x) => x[0] === step)!;
    for (const step of [2, 4, 5]) expect(pick(again, step)).toEqual(pick(rows, step));
    const conflict = lsgan(['train', '--data', data, '--epochs', '2', '--out', two, '--score-n', '50', '--resume', join(two, 'run.safetensors')]);
    expect(conflict.code).toBe(1);
    expect(conflict.err).toMatch(/--score-n 50 conflicts with the resumed run's scores of 100 digits/);
  });

  test('score --model on a file and a folder: the training run\'s own numbers back', () => {
    const one = join(work, 'one');
    const r = lsgan(['score', '--model', one, '--n', '100', '--seed', '1']);
    expect(r.code, r.err).toBe(0);
    const lines = jsonLines(r.out) as Array<{ source: string; step: number; fd: number }>;
    expect(lines.map((l) => l.source)).toEqual(['model_000005.safetensors', 'model_best.safetensors'].map((f) => join(one, f)));
    // The training scorer uses seed 1 and 100 digits: the same latent points, the same judge.
    const rows = csvRows(join(one, 'scores.csv'));
    expect(lines[0].fd).toBe(rows.find((x) => x[0] === 5)![1]);
    expect(lines[1].fd).toBe(Math.min(...rows.map((x) => x[1])));
    const none = lsgan(['score', '--model', data]);
    expect(none.err).toMatch(/a directory without model_\*\.safetensors files/);
  });

  test('generate without --model uses pretrained/generator.safetensors and says so', () => {
    const cwd = join(work, 'cwd');
    mkdirSync(join(cwd, 'pretrained'), { recursive: true });
    cpSync(join(work, 'one', 'model_000005.safetensors'), join(cwd, 'pretrained', 'generator.safetensors'));
    const a = lsgan(['generate', '--out', join(work, 'a.png')], cwd);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/no --model: using the shipped generator .*pretrained\/generator\.safetensors/);
    expect(lsgan(['generate', '--model', join(work, 'one', 'model_000005.safetensors'), '--out', join(work, 'b.png')]).code).toBe(0);
    expect(Buffer.compare(readFileSync(join(work, 'a.png')), readFileSync(join(work, 'b.png')))).toBe(0);
    expect(existsSync(join(work, 'a.png'))).toBe(true);
  });
});
