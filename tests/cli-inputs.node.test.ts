// The command line's file arguments (--model, --resume, --data) given what a demanding user
// might give them: a FIFO, /dev/zero, a directory, a 3 GiB file, checkpoints that break the
// run-file rules with valid checksums, an odd tensor name, a flipped bit. Each must end in
// one line naming the file (exit 1), never a hang, a stack or an unbounded read; and a file
// without our checksums (as PyTorch or numpy write them) must still load.

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TRAIN_IMAGES } from '../src/lsgan/mnist-node';
import { realGeneratorFile, realRunFile } from './helpers/checkpoint-files';
import { buildCli, mnistSlice } from './helpers/cli-process';
import { reencode, unchecked, withText } from './helpers/mutants';

const work = mkdtempSync(join(tmpdir(), 'lsgan-inputs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let cli = '';

function lsgan(args: string[]): { code: number | null; errors: string[]; out: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, cwd: work });
  return { code: r.status, out: r.stdout, errors: r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('Warning: ')) };
}

/** Exit 1 and exactly one line: "error: " + the file + the reason. */
function oneLine(args: string[], file: string, reason: RegExp): void {
  const r = lsgan(args);
  expect(r.code, r.errors.join('\n')).toBe(1);
  expect(r.errors, `${args.join(' ')}`).toHaveLength(1);
  expect(r.errors[0].startsWith(`error: ${file}`), r.errors[0]).toBe(true);
  expect(r.errors[0]).toMatch(reason);
}

const fifo = join(work, 'fifo'), big = join(work, 'big.safetensors');
const dirs = { fifo: join(work, 'd-fifo'), zero: join(work, 'd-zero'), big: join(work, 'd-big'), dir: join(work, 'd-dir'), slice: join(work, 'd-slice') };

beforeAll(() => {
  cli = buildCli('lsgan-inputs-test');
  execFileSync('mkfifo', [fifo]);
  closeSync(openSync(big, 'w'));
  execFileSync('truncate', ['-s', '3G', big]);
  for (const d of Object.values(dirs)) mkdirSync(d);
  execFileSync('mkfifo', [join(dirs.fifo, TRAIN_IMAGES)]);
  symlinkSync('/dev/zero', join(dirs.zero, TRAIN_IMAGES));
  symlinkSync(big, join(dirs.big, TRAIN_IMAGES));
  mkdirSync(join(dirs.dir, TRAIN_IMAGES));
  writeFileSync(join(dirs.slice, TRAIN_IMAGES), mnistSlice(2));
}, 180_000);

describe('lsgan: file arguments that are not what they should be', () => {
  test('--model and --resume naming a FIFO, /dev/zero, a directory or a 3 GiB file', () => {
    for (const [file, reason] of [[fifo, /is a FIFO/], ['/dev/zero', /is a character device/], [work, /is a directory/], [big, /3221225472 bytes is more than the 1073741824-byte limit/]] as const) {
      oneLine(['generate', '--model', file, '--out', join(work, 'x.png')], file, reason);
      oneLine(['train', '--data', dirs.slice, '--resume', file, '--out', join(work, 'o')], file, reason);
    }
  }, 300_000);

  test('--data DIR whose train-images-idx3-ubyte is a FIFO, /dev/zero, a 3 GiB file or a directory', () => {
    for (const [d, reason] of [[dirs.fifo, /is a FIFO/], [dirs.zero, /is a character device/], [dirs.big, /3221225472 bytes is more than the 1073741824-byte limit for an IDX image file/], [dirs.dir, /is a directory/]] as const) {
      oneLine(['train', '--data', d, '--out', join(work, 'o')], join(d, TRAIN_IMAGES), reason);
    }
  }, 300_000);

  test('run files that break the rules with valid checksums, an odd name, a flipped bit; a file without checksums loads', async () => {
    const run = await realRunFile(4);
    const resume = (name: string, bytes: Uint8Array, reason: RegExp) => {
      const f = join(work, name);
      writeFileSync(f, bytes);
      oneLine(['train', '--data', dirs.slice, '--batch', '2', '--resume', f, '--out', join(work, `out-${name}`)], f, reason);
    };
    resume('nan.safetensors', reencode(run, (ts) => { ts.find((t) => t.name === 'history/losses')!.data[4] = NaN; }), /tensor history\/losses holds NaN at row 2: a squared-error loss is finite and >= 0$/);
    resume('nohistory.safetensors', reencode(run, (ts) => ts.filter((t) => t.name !== 'history/losses')), /missing tensor history\/losses/);
    resume('lr.safetensors', reencode(run, (_, m) => { m.config = m.config.replace('"lr":0.0002', '"lr":-1'); }), /metadata config.lr -1: expected a positive number \(the rule of --lr\)$/);
    resume('config.safetensors', reencode(run, (_, m) => { m.config = 'null'; }), /metadata config is not a JSON object$/);
    resume('counter.safetensors', reencode(run, (ts) => { ts.find((t) => t.name === 'd_optimizer/iterations')!.data[0] = 5; }), /tensor d_optimizer\/iterations holds 5, but metadata step 4 means 8: the step counters disagree$/);
    resume('variance.safetensors', reencode(run, (ts) => { ts.find((t) => t.name.endsWith('moving_variance'))!.data[0] = -1; }), /moving_variance holds -1 at index 0: a moving variance is never negative$/);
    const gen = await realGeneratorFile(4);
    const model = (name: string, bytes: Uint8Array, reason: RegExp) => {
      const f = join(work, name);
      writeFileSync(f, bytes);
      oneLine(['generate', '--model', f, '--out', join(work, `${name}.png`)], f, reason);
    };
    const flipped = gen.slice();
    flipped[flipped.length - 1000] ^= 0x10;
    model('flipped.safetensors', flipped, /: tensor generator\/\S+: its bytes changed after the file was written \(SHA-256 mismatch: a flipped bit, or a damaged copy\)$/);
    model('odd.safetensors', withText(unchecked(gen), (t) => t.replace('{', `{"a\\nb\\u001b[31m":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},`)), /unexpected tensor "a\\nb\\u001b\[31m" \(not part of this architecture\)$/);
    model('dup.safetensors', withText(gen, (t) => t.replace('{', '{"__metadata__":{},')), /header is not valid JSON \(duplicate key __metadata__ at character \d+\)$/);
    const plain = join(work, 'plain.safetensors');
    writeFileSync(plain, unchecked(gen));
    const r = lsgan(['generate', '--model', plain, '--out', join(work, 'plain.png')]);
    expect(r.code, r.errors.join('\n')).toBe(0);
    expect(existsSync(join(work, 'plain.png'))).toBe(true);
  }, 300_000);

  test('a --latent too large for the device: one line before WebGPU says it in many', () => {
    const r = lsgan(['train', '--data', dirs.slice, '--latent', '100000000', '--out', join(work, 'big-latent')]);
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^error: --latent 100000000: the generator's first kernel would take 5017600000000 bytes, more than the \d+-byte buffer limit of /);
    expect(r.out).not.toMatch(/validation/);
  }, 120_000);
});
