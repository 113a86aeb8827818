// Node-only parts shared by the two entries (bench/main.ts, bench/browser/run.ts): the
// command line, the machine's description, Dawn's version, and writing and reading result files.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OPTION_SPEC, USAGE } from './options';
import { adapterSlug } from './run';
import type { BenchResult, Environment } from './types';
import { upgradeResult } from './upgrade';

/** The harness's options from argv, or the exit code when there is nothing to run (bad options: 2, --help: 0). */
export function parseCommandLine(allowPositionals: boolean) {
  let parsed;
  try {
    parsed = parseArgs({ options: OPTION_SPEC, allowPositionals, strict: true });
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  return parsed;
}

export function machineInfo(): Environment['machine'] {
  const cpus = os.cpus();
  return { os: os.platform(), release: os.release(), arch: os.arch(), cpuModel: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length, memoryBytes: os.totalmem() };
}

/** git HEAD and the modified files under src/, shaders/ and bench/ (null outside a checkout). */
export function sourceInfo(): NonNullable<Environment['source']> {
  // Not trimmed at the start: porcelain lines begin with a space (" M file").
  const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    const modified = git(['status', '--porcelain', '--', 'src', 'shaders', 'bench']).split('\n').filter((l) => l !== '').map((l) => l.slice(3)).filter((f) => !f.startsWith('bench/results'));
    return { commit, modified };
  } catch {
    return { commit: null, modified: null };
  }
}

/** The `webgpu` package's version (Dawn), or the file DAWN_NODE names. */
export function dawnInfo(): NonNullable<Environment['dawn']> {
  const dawnNode = process.env.DAWN_NODE ? process.env.DAWN_NODE : null;
  let version: string | null = null;
  try {
    const require = createRequire(import.meta.url);
    version = (JSON.parse(readFileSync(require.resolve('webgpu/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    version = null;
  }
  return { package: 'webgpu', version, dawnNode };
}

/** bench/results/<adapter>-<YYYY-MM-DD>[-tag].json, written to a temporary file first and renamed. */
export function resultPath(dir: string, r: BenchResult, tag: string | null): string {
  const prefix = r.environment.variant === 'browser' ? 'chromium-' : '';
  const date = r.date.slice(0, 10);
  return join(dir, `${prefix}${adapterSlug(r.environment.adapter)}-${date}${tag ? `-${tag.replace(/[^A-Za-z0-9._-]+/g, '-')}` : ''}.json`);
}

export function writeResult(dir: string, r: BenchResult, tag: string | null): string {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const path = resultPath(dir, r, tag);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(r, null, 1)}\n`);
  renameSync(tmp, path);
  return path;
}

/** A result file of schema 2, or of schema 1 read as schema 2 (upgrade.ts). */
export function readResult(path: string): BenchResult {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return upgradeResult(raw, path);
}
