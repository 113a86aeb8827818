// Reading and writing files for the command line, without a GPU: inputs checked for type and
// size before they are read (src/lsgan/file-node.ts), atomic writes that leave no temporary
// file on failure and the cleaning of a killed run's (src/cli/files.ts), and the one-line
// error messages (src/cli/error-line.ts).

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkOutputFile, cleanStaleTemps, writeAtomic } from '../src/cli/files';
import { errorLine } from '../src/cli/error-line';
import { GpuError } from '../src/kernels/errors';
import { readInputFile } from '../src/lsgan/file-node';
import { CheckpointError } from '../src/lsgan/safetensors';

const work = mkdtempSync(join(tmpdir(), 'lsgan-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const read = (file: string, limit?: number) => readInputFile(file, { what: 'a checkpoint', error: (m) => new CheckpointError(m), missingHint: ' (hint)', limit });

describe('readInputFile', () => {
  test('a FIFO, a device, a directory, a 3 GiB file and a missing one: one line each, nothing read', () => {
    const fifo = join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const big = join(work, 'big');
    closeSync(openSync(big, 'w'));
    execFileSync('truncate', ['-s', '3G', big]); // sparse: no disk used
    const t0 = performance.now();
    expect(() => read(fifo)).toThrow(new RegExp(`^${fifo}: is a FIFO \\(named pipe\\), expected a checkpoint \\(a regular file\\)$`));
    expect(() => read('/dev/zero')).toThrow(/^\/dev\/zero: is a character device, expected a checkpoint/);
    expect(() => read(work)).toThrow(/: is a directory, expected a checkpoint/);
    expect(() => read(big)).toThrow(/: 3221225472 bytes is more than the 1073741824-byte limit for a checkpoint$/);
    expect(() => read(join(work, 'none'))).toThrow(/: no such file \(hint\)$/);
    expect(performance.now() - t0).toBeLessThan(5000);
    try { read(fifo); } catch (e) { expect(e).toBeInstanceOf(CheckpointError); }
  });

  test('a symbolic link to /dev/zero is refused as what it points at; a regular file is read whole', () => {
    const link = join(work, 'zero-link');
    symlinkSync('/dev/zero', link);
    expect(() => read(link)).toThrow(/is a character device/);
    const f = join(work, 'ok');
    writeFileSync(f, 'hello');
    expect(new TextDecoder().decode(read(f))).toBe('hello');
    expect(() => read(f, 4)).toThrow(/5 bytes is more than the 4-byte limit/);
  });
});

describe('writeAtomic and temporary files', () => {
  test('a failed write leaves no temporary file and names the file in one line', () => {
    const dir = mkdtempSync(join(work, 'w-'));
    mkdirSync(join(dir, 'sub'));
    expect(() => writeAtomic(join(dir, 'sub'), 'x')).toThrow(/sub: cannot write it: it is a directory \(EISDIR\); any earlier version of it is unchanged$/);
    expect(() => writeAtomic(join(dir, 'missing', 'f'), 'x')).toThrow(/its directory does not exist \(ENOENT\)/);
    expect(() => writeAtomic('', 'x')).toThrow(/cannot write it: not a file name \(EINVAL\)/);
    expect(readdirSync(dir)).toEqual(['sub']);
    writeAtomic(join(dir, 'f'), 'data');
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('data');
    expect(readdirSync(dir).sort()).toEqual(['f', 'sub']);
  });

  test('checkOutputFile refuses "", a directory and a missing directory before any work', () => {
    expect(() => checkOutputFile('--out', '')).toThrow('--out "": expected a file name');
    expect(() => checkOutputFile('--out', work)).toThrow(/is a directory, expected a file name/);
    expect(() => checkOutputFile('--out', join(work, 'no', 'x.png'))).toThrow(/its directory .* does not exist/);
    expect(() => checkOutputFile('--out', join(work, 'x.png'))).not.toThrow();
  });

  test('temporaries of dead processes are removed and reported; a live process\'s are left alone', async () => {
    const dir = mkdtempSync(join(work, 't-'));
    const child = spawn('sleep', ['30']);
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(join(dir, `run.safetensors.tmp-${dead.pid}`), 'partial');
    writeFileSync(join(dir, `model_000005.safetensors.tmp-${child.pid}`), 'partial');
    writeFileSync(join(dir, 'notes.tmp-x'), 'not ours');
    const lines = cleanStaleTemps(dir);
    child.kill();
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.startsWith('removed'))).toMatch(new RegExp(`run.safetensors.tmp-${dead.pid}, an incomplete file left by process ${dead.pid} \\(killed while writing run.safetensors\\)`));
    expect(lines.find((l) => l.startsWith('left'))).toMatch(new RegExp(`process ${child.pid}, which may be writing it, is running`));
    expect(existsSync(join(dir, `run.safetensors.tmp-${dead.pid}`))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([`model_000005.safetensors.tmp-${child.pid}`, 'notes.tmp-x']);
  });
});

describe('errorLine', () => {
  test('WebGPU\'s many lines: the first, and the rest with --verbose; our sentences joined; bugs without a stack', () => {
    const gpu = new GpuError('WebGPU error on lavapipe: Buffer size (5017600000000) exceeds the max buffer size limit.\n - While calling CreateBuffer("a")\nBuffer size ...\n - While calling CreateBuffer("b")');
    expect(errorLine(gpu, false)).toBe('WebGPU error on lavapipe: Buffer size (5017600000000) exceeds the max buffer size limit. (3 more lines of WebGPU\'s message with --verbose)');
    expect(errorLine(gpu, true).split('\n')).toHaveLength(4);
    expect(errorLine(new GpuError('no WebGPU adapter found through Dawn. Tried:\n  lavapipe: x\nOn a machine ...'), false)).toBe('no WebGPU adapter found through Dawn. Tried: lavapipe: x On a machine ...');
    const bug = new TypeError("Cannot read properties of null (reading 'batch')");
    expect(errorLine(bug, false)).toBe("TypeError: Cannot read properties of null (reading 'batch') (an internal error: --verbose shows the stack trace)");
    expect(errorLine(new CheckpointError('f: tensor "a\\u001b": x'), false)).toBe('f: tensor "a\\u001b": x');
    expect(errorLine(new Error('raw \u001b[31m escape'), false)).toBe('raw \\u001b[31m escape');
  });
});
