// The command line end to end on Node + Dawn (lavapipe here, SwiftShader without it), on a
// 10-image slice of MNIST so an epoch is 5 iterations at batch 2 and the tutorial's
// per-epoch outputs appear within seconds even on a CPU adapter.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, test } from 'vitest';
import { readRun } from '../src/lsgan/checkpoint';
import { decodeSafetensors, encodeSafetensors } from '../src/lsgan/safetensors';
import { defaultMnistDir, TRAIN_IMAGES } from '../src/lsgan/mnist-node';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist-node', 'lsgan.mjs');
const work = mkdtempSync(join(tmpdir(), 'lsgan-cli-'));
const data = join(work, 'data');

function lsgan(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function csv(file: string): number[][] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
}

beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.node.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  const full = readFileSync(join(defaultMnistDir(), TRAIN_IMAGES));
  const slice = Buffer.from(full.subarray(0, 16 + 10 * 784));
  slice.writeUInt32BE(10, 4);
  mkdirSync(data);
  writeFileSync(join(data, TRAIN_IMAGES), slice);
}, 120_000);

const common = ['--data', data, '--batch', '2', '--epochs', '2', '--seed', '3'];

describe('lsgan train / generate', () => {
  test('a short run writes the tutorial\'s files with finite losses, and the digits change', () => {
    const out = join(work, 'run');
    const r = lsgan(['train', ...common, '--out', out, '--verbose']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^adapter: /m);
    expect(r.out).toMatch(/^>1, d1=\d+\.\d{3}, d2=\d+\.\d{3} g=\d+\.\d{3}$/m);
    for (const f of ['generated_plot_000000.png', 'generated_plot_000005.png', 'generated_plot_000010.png', 'model_000005.safetensors', 'model_000010.safetensors', 'run.safetensors', 'losses.csv', 'plot_line_plot_loss.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const losses = csv(join(out, 'losses.csv'));
    expect(losses.map((l) => l[0])).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(losses.flat().every(Number.isFinite)).toBe(true);
    const before = decode(readFileSync(join(out, 'generated_plot_000000.png')));
    const after = decode(readFileSync(join(out, 'generated_plot_000010.png')));
    expect([before.width, before.height]).toEqual([after.width, after.height]);
    let changed = 0;
    for (let i = 0; i < before.data.length; i++) if (Math.abs(before.data[i] - after.data[i]) > 8) changed++;
    console.log(`grid pixels changed after 10 iterations: ${changed} of ${before.data.length}`);
    // The same latent points through an unchanged generator give identical pixels. After 10
    // updates the change is still small, because predict() uses the moving statistics, which
    // move 1% per iteration (momentum 0.99): about 1% of the pixels moved here on lavapipe.
    expect(changed).toBeGreaterThan(1000);
  });

  test('generate: the same seed gives the same pixels from the generator file and from the run file', () => {
    const out = join(work, 'run');
    const a = join(work, 'a.png'), b = join(work, 'b.png'), c = join(work, 'c.png');
    expect(lsgan(['generate', '--model', join(out, 'model_000010.safetensors'), '--seed', '9', '--out', a]).code).toBe(0);
    expect(lsgan(['generate', '--model', join(out, 'run.safetensors'), '--seed', '9', '--out', b]).code).toBe(0);
    expect(lsgan(['generate', '--model', join(out, 'model_000010.safetensors'), '--seed', '10', '--out', c]).code).toBe(0);
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
    expect(Buffer.compare(readFileSync(a), readFileSync(c))).not.toBe(0);
    const walk = join(work, 'walk.png');
    expect(lsgan(['generate', '--model', join(out, 'model_000010.safetensors'), '--interpolate', '--n', '30', '--out', walk]).code).toBe(0);
    const img = decode(readFileSync(walk));
    expect(img.width).toBeGreaterThan(img.height * 2.5);
  });

  test('4 iterations + resume + 6 iterations equals 10 in one go', () => {
    const out = join(work, 'resumed');
    expect(lsgan(['train', ...common, '--out', out, '--steps', '4']).code).toBe(0);
    const r = lsgan(['train', '--data', data, '--epochs', '2', '--out', out, '--resume', join(out, 'run.safetensors')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/resumed .* at iteration 4/);
    const one = csv(join(work, 'run', 'losses.csv')), two = csv(join(out, 'losses.csv'));
    expect(two.length).toBe(10);
    let worst = 0;
    for (let i = 0; i < 10; i++) for (let k = 1; k < 4; k++) worst = Math.max(worst, Math.abs(one[i][k] - two[i][k]) / Math.max(1e-6, Math.abs(one[i][k])));
    console.log(`resume vs one go: max relative loss difference ${worst}`);
    // Same seed, same adapter: the same kernels on the same numbers.
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  test('bad input gives one-line errors naming the file, no stack trace', () => {
    const missing = lsgan(['train', '--data', join(work, 'nowhere'), '--out', join(work, 'x')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/error: .*nowhere\/train-images-idx3-ubyte: no such file/);
    const bad = join(work, 'bad.safetensors');
    const whole = readFileSync(join(work, 'run', 'model_000005.safetensors'));
    writeFileSync(bad, whole.subarray(0, whole.length - 100));
    const cut = lsgan(['generate', '--model', bad]);
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(/bad.safetensors: tensor .* run past the end of the data/);
    expect(cut.err).not.toMatch(/\n\s+at /);
    // A generator whose metadata says latent 50 (and no config, which would disagree): its
    // weights no longer fit that architecture.
    const st = decodeSafetensors('model', new Uint8Array(whole));
    const misfit = join(work, 'misfit.safetensors');
    const { config: _, ...meta } = st.metadata;
    writeFileSync(misfit, encodeSafetensors([...st.tensors.values()], { ...meta, latent: '50' }));
    const shape = lsgan(['generate', '--model', misfit]);
    expect(shape.code).toBe(1);
    expect(shape.err).toMatch(/misfit.safetensors: tensor generator\/dense\/kernel has shape \[100, 12544\], the architecture needs \[50, 12544\]/);
    const wrongKind = lsgan(['train', '--data', data, '--resume', join(work, 'run', 'model_000005.safetensors'), '--out', join(work, 'y')]);
    expect(wrongKind.err).toMatch(/this is a generator file: --resume needs a run checkpoint/);
    const conflict = lsgan(['train', '--data', data, '--batch', '8', '--resume', join(work, 'run', 'run.safetensors'), '--out', join(work, 'z')]);
    expect(conflict.err).toMatch(/--batch 8 conflicts with the resumed run's batch = 2/);
    const usage = lsgan(['train', '--batch', '3']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--batch 3: expected an even whole number/);
  });

  test('Ctrl-C writes a resumable checkpoint of the last finished iteration', async () => {
    const out = join(work, 'interrupted');
    const child = spawn(process.execPath, [cli, 'train', ...common, '--epochs', '100', '--out', out, '--verbose']);
    let stdout = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/^>3, /m.test(stdout) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    const run = readRun(join(out, 'run.safetensors'), new Uint8Array(readFileSync(join(out, 'run.safetensors'))));
    expect(run.step).toBeGreaterThanOrEqual(3);
    expect(stdout).toMatch(new RegExp(`interrupted at iteration ${run.step}`));
    expect(csv(join(out, 'losses.csv')).length).toBe(run.step);
  });

  test('a loss that becomes NaN or infinite stops the run without writing a checkpoint', () => {
    // Adam moves each weight by about lr per step: lr 1e30 overflows f32 within a few steps.
    const out = join(work, 'diverged');
    const r = lsgan(['train', ...common, '--lr', '1e30', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: iteration \d+: a loss is not finite \(>\d+, d1=/);
    expect(existsSync(join(out, 'run.safetensors'))).toBe(false);
  });
});
