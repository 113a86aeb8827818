// Running the command line as a child process for the crash tests: its own build (so another
// test file's `vite build`, which empties dist-node/, cannot pull it away mid-test), line-wise
// output, waits for a line, and a check that every file under its real name is complete.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { generatorMeta, readRun } from '../../src/lsgan/checkpoint';
import { defaultMnistDir, TRAIN_IMAGES } from '../../src/lsgan/mnist-node';

export const root = join(import.meta.dirname, '..', '..');

/** Builds the CLI into node_modules/.cache/NAME (modules still resolve from the repository's node_modules). */
export function buildCli(name: string): string {
  const outDir = join(root, 'node_modules', '.cache', name);
  execFileSync('npx', ['vite', 'build', '--config', 'vite.node.config.ts', '--logLevel', 'warn', '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  return join(outDir, 'lsgan.mjs');
}

/** The first `count` MNIST training images as an IDX file (count = batch: an epoch per iteration). */
export function mnistSlice(count: number): Buffer {
  const full = readFileSync(join(defaultMnistDir(), TRAIN_IMAGES));
  const slice = Buffer.from(full.subarray(0, 16 + count * 784));
  slice.writeUInt32BE(count, 4);
  return slice;
}

export class Cli {
  readonly child: ChildProcess;
  out = '';
  err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(cli: string, args: string[], cwd?: string) {
    this.child = spawn(process.execPath, [cli, ...args], { cwd });
    this.child.stdout!.on('data', (d: Buffer) => { this.out += d.toString(); this.poke(); });
    this.child.stderr!.on('data', (d: Buffer) => { this.err += d.toString(); this.poke(); });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => { this.poke(); resolve({ code, signal }); }));
  }

  private poke(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when stdout matches `pattern`; rejects if the process exits first. */
  async waitFor(pattern: RegExp, timeoutMs = 240_000): Promise<void> {
    const t0 = Date.now();
    while (!pattern.test(this.out)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`exited before ${pattern}: ${this.out}\n${this.err}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${pattern}: ${this.out}`);
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 200); });
    }
  }

  /** stderr without Dawn's own start-up warnings. */
  get errors(): string[] {
    return this.err.split('\n').filter((l) => l !== '' && !l.startsWith('Warning: '));
  }
}

export const TEMP = /\.tmp-\d+$/;

/**
 * Every file under its real name in `dir` is complete: checkpoints decode with their checksums
 * and pass the loaders' checks, pictures decode, losses.csv has one row per step. Returns the
 * temporary files found and the run file's step (or null).
 */
export function checkComplete(dir: string): { temps: string[]; step: number | null; csvRows: number[][] } {
  const temps: string[] = [];
  let step: number | null = null, csvRows: number[][] = [];
  for (const f of readdirSync(dir)) {
    const path = join(dir, f);
    if (TEMP.test(f)) { temps.push(f); continue; }
    const bytes = new Uint8Array(readFileSync(path));
    if (f === 'run.safetensors') step = readRun(path, bytes).step;
    else if (f.endsWith('.safetensors')) generatorMeta(path, bytes);
    else if (f.endsWith('.png')) decode(bytes);
    else if (f === 'losses.csv') {
      const lines = new TextDecoder().decode(bytes).trim().split('\n');
      if (lines[0] !== 'step,dloss1,dloss2,gloss') throw new Error(`${path}: header ${lines[0]}`);
      csvRows = lines.slice(1).map((l) => l.split(',').map(Number));
      csvRows.forEach((r, i) => { if (r.length !== 4 || r[0] !== i + 1 || !r.every(Number.isFinite)) throw new Error(`${path}: row ${i + 1} is ${r}`); });
    } else throw new Error(`${path}: unexpected file`);
  }
  return { temps, step, csvRows };
}
