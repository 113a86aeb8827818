// Files the repository ships (the judge in judge/, the pretrained generator in pretrained/),
// found from the working directory first, then from the command line's own location
// (dist-node/lsgan.mjs, or src/cli/ when run from source), so the bundle finds them from
// any directory of a checkout.

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const JUDGE_DIR = 'judge';
export const JUDGE_FILE = 'judge.safetensors';
export const STATS_FILE = 'test-stats.safetensors';
export const PRETRAINED_GENERATOR = join('pretrained', 'generator.safetensors');

/** The first existing `rel` under the working directory or the repository the code runs from. */
export function shippedPath(rel: string): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const base of [process.cwd(), join(here, '..'), join(here, '..', '..')]) {
    const p = resolve(base, rel);
    try {
      if (existsSync(p) && (statSync(p).isFile() || statSync(p).isDirectory())) return p;
    } catch {
      // Unreadable: try the next place.
    }
  }
  return null;
}
