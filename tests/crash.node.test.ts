// Crash safety of `lsgan train` / `lsgan generate` (Node + Dawn): SIGKILL at random moments and
// in the middle of a checkpoint write leaves only complete files under their real names, and
// the next start removes the dead run's temporary files, says so, and resumes from the last
// checkpoint; SIGTERM acts as Ctrl-C; a full disk gives one line and keeps the last good
// checkpoint; `generate --out DIR` or `--out ""` leave no temporary file. MNIST is cut to 2
// images, so at batch 2 every iteration ends an epoch and writes a checkpoint.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readRun } from '../src/lsgan/checkpoint';
import { TRAIN_IMAGES } from '../src/lsgan/mnist-node';
import { buildCli, checkComplete, Cli, mnistSlice, TEMP } from './helpers/cli-process';
import { rng } from './helpers/random';

const work = mkdtempSync(join(tmpdir(), 'lsgan-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const data = join(work, 'data');
let cli = '';
const train = (out: string, more: string[] = []) => ['train', '--data', data, '--batch', '2', '--seed', '5', '--out', out, '--verbose', ...more];

beforeAll(() => {
  cli = buildCli('lsgan-crash-test');
  mkdirSync(data);
  writeFileSync(join(data, TRAIN_IMAGES), mnistSlice(2));
}, 180_000);

describe('crash safety', () => {
  test('SIGKILL at random moments and mid-write: complete files only, stale temporaries removed, resumed from the last checkpoint', async () => {
    const out = join(work, 'killed');
    mkdirSync(out);
    const r = rng(42);
    let midWrite = 0;
    const kept: number[][] = []; // each checkpoint's loss history as it was when its run was killed
    for (const how of ['run file write', 'random', 'model file write', 'random']) {
      const resume = existsSync(join(out, 'run.safetensors'));
      const before = resume ? readRun('run', new Uint8Array(readFileSync(join(out, 'run.safetensors')))) : null;
      const stale = readdirSync(out).filter((f) => TEMP.test(f));
      const c = new Cli(cli, train(out, ['--epochs', '1000', ...(resume ? ['--resume', join(out, 'run.safetensors')] : [])]));
      await c.waitFor(/^>\d+, /m);
      // The dead run's temporaries are gone, with a line each; training goes on from its checkpoint.
      for (const f of stale) expect(c.out).toContain(`removed ${join(out, f)}, an incomplete file left by process`);
      expect(readdirSync(out).filter((f) => stale.includes(f))).toEqual([]);
      if (before !== null) {
        expect(c.out).toMatch(new RegExp(`resumed .* at iteration ${before.step}\\n`));
        expect(c.out).toMatch(new RegExp(`^>${before.step + 1}, `, 'm'));
        kept.push(Array.from(before.st.tensors.get('history/losses')!.data));
      }
      if (how === 'random') {
        await new Promise((resolve) => setTimeout(resolve, 500 + r() * 4000));
        c.child.kill('SIGKILL');
      } else {
        // Kill as soon as the temporary file of the next checkpoint appears: mid-write.
        const target = how === 'run file write' ? /^run\.safetensors\.tmp-/ : /^model_\d+\.safetensors\.tmp-/;
        const w = watch(out, (_, f) => { if (f !== null && target.test(String(f))) c.child.kill('SIGKILL'); });
        await c.exited;
        w.close();
      }
      expect((await c.exited).signal).toBe('SIGKILL');
      const state = checkComplete(out);
      if (state.temps.length > 0) midWrite++;
      console.log(`killed (${how}) with run.safetensors at step ${state.step}, losses.csv at ${state.csvRows.length} rows, temporaries left: ${state.temps.join(', ') || 'none'}`);
      if (state.step !== null) expect(state.csvRows.length).toBeLessThanOrEqual(state.step);
    }
    expect(midWrite, 'at least one kill landed in the middle of a checkpoint write').toBeGreaterThan(0);
    // A last start runs to the end; every history kept at a kill is the start of the final one.
    const last = readRun('run', new Uint8Array(readFileSync(join(out, 'run.safetensors'))));
    const c = new Cli(cli, train(out, ['--epochs', String(last.step + 2), '--resume', join(out, 'run.safetensors')]));
    expect((await c.exited).code, c.err).toBe(0);
    const final = checkComplete(out);
    expect(final.temps).toEqual([]);
    expect(final.step).toBe(last.step + 2);
    expect(final.csvRows.length).toBe(last.step + 2);
    const h = Array.from(readRun('run', new Uint8Array(readFileSync(join(out, 'run.safetensors')))).st.tensors.get('history/losses')!.data);
    for (const k of kept) expect(h.slice(0, k.length)).toEqual(k);
  }, 600_000);

  test('SIGTERM writes a checkpoint of the last finished iteration and exits 143, as Ctrl-C does with 130', async () => {
    const out = join(work, 'terminated');
    const c = new Cli(cli, train(out, ['--epochs', '1000']));
    await c.waitFor(/^>2, /m);
    c.child.kill('SIGTERM');
    expect((await c.exited).code).toBe(143);
    const state = checkComplete(out);
    expect(state.temps).toEqual([]);
    expect(state.step).toBeGreaterThanOrEqual(2);
    expect(state.csvRows.length).toBe(state.step);
    expect(c.out).toMatch(new RegExp(`interrupted at iteration ${state.step}`));
  }, 300_000);

  test('generate --out DIR, --out "" and --out DIR/ fail in one line before any work and leave no temporary file', () => {
    const out = join(work, 'killed'); // has model files from the first test, or none: the check comes first
    const cwd = mkdtempSync(join(work, 'cwd-'));
    const dir = mkdtempSync(join(work, 'outdir-'));
    for (const [arg, msg] of [[dir, /is a directory, expected a file name/], ['', /--out "": expected a file name/], [`${dir}/`, /is a directory/], [join(work, 'nowhere', 'x.png'), /its directory .* does not exist/]] as const) {
      const model = readdirSync(out).find((f) => f.startsWith('model_')) ?? 'model_000001.safetensors';
      const r = spawnSync(process.execPath, [cli, 'generate', '--model', join(out, model), '--out', arg], { cwd, encoding: 'utf8', timeout: 120_000 });
      const errors = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('Warning: '));
      expect(r.status).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(msg);
      expect([...readdirSync(cwd), ...readdirSync(dir), ...readdirSync(work)].filter((f) => TEMP.test(f))).toEqual([]);
    }
  }, 300_000);

  // A full disk needs a small file system of its own: a tmpfs in a user and mount namespace
  // (unshare; root, or unprivileged user namespaces). Skipped where neither is allowed.
  const canMount = spawnSync('unshare', ['-rm', 'sh', '-c', `mkdir -p ${work}/probe && mount -t tmpfs -o size=1m tmpfs ${work}/probe`]).status === 0;
  test.skipIf(!canMount)('a full disk: one line naming the file, no temporary left, the previous checkpoint intact', () => {
    const real = join(work, 'full'), mnt = join(work, 'mnt'), tiny = join(work, 'tiny');
    for (const d of [real, mnt, tiny]) mkdirSync(d, { recursive: true });
    // 50 MB: the first checkpoint (model 7.9 MB + run 25 MB) fits, the second's run file does not.
    // Then generate into a 4 KiB file system. Everything is copied out before the namespace ends.
    const script = [
      `mount -t tmpfs -o size=50m tmpfs ${mnt} && mount -t tmpfs -o size=4k tmpfs ${tiny} || exit 99`,
      `node ${cli} ${train(`${mnt}/out`, ['--epochs', '1000']).join(' ')} > ${real}/train.out 2> ${real}/train.err; echo $? > ${real}/train.rc`,
      `node ${cli} generate --model ${mnt}/out/model_000001.safetensors --out ${tiny}/x.png > ${real}/gen.out 2> ${real}/gen.err; echo $? > ${real}/gen.rc`,
      `ls -a ${tiny} > ${real}/tiny.ls; cp -r ${mnt}/out ${real}/out`,
    ].join('\n');
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', script], { encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = (f: string) => readFileSync(join(real, f), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('Warning: '));
    console.log(`full disk: ${lines('train.err').join(' / ')}; generate: ${lines('gen.err').join(' / ')}`);
    expect(lines('train.rc')).toEqual(['1']);
    expect(lines('train.err')).toHaveLength(1);
    expect(lines('train.err')[0]).toMatch(new RegExp(`^error: ${mnt}/out/\\S+: cannot write it: no space left on the device \\(ENOSPC\\); any earlier version of it is unchanged$`));
    const state = checkComplete(join(real, 'out'));
    expect(state.temps).toEqual([]);
    expect(state.step).toBeGreaterThanOrEqual(1);
    expect(lines('gen.rc')).toEqual(['1']);
    expect(lines('gen.err')).toEqual([`error: ${tiny}/x.png: cannot write it: no space left on the device (ENOSPC); any earlier version of it is unchanged`]);
    expect(lines('tiny.ls').filter((f) => f !== '.' && f !== '..')).toEqual([]);
  }, 300_000);
});
