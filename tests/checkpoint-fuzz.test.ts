// Seeded fuzzing of the loaders with mutants of real files: a generator and a whole-run file
// as the library writes them (tests/helpers/checkpoint-files.ts: the real models, optimizers
// and writer, on host memory), and an MNIST IDX file cut from the real one. Every mutant must
// be rejected with one line (no newline, no control character) that starts with the file's
// name, by the loader's own error class (never a RangeError, TypeError or a stack), or be
// accepted only if
//   - it changes nothing a reader sees (whitespace or key order in the header: "unchanged"), or
//   - its change is one no rule can detect, and then its class says which (`either`): only in
//     files without our checksums, and IDX pixel bytes. After the checksum, no data flip is.
// A flipped data byte in a checksummed file must be reported naming the tensor that holds it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { expectMnistShape, parseIdxImages } from '../src/lsgan/idx';
import { printable } from '../src/lsgan/json-strict';
import { defaultMnistDir, TRAIN_IMAGES } from '../src/lsgan/mnist-node';
import { loadAsGenerate, loadAsResume, realGeneratorFile, realRunFile } from './helpers/checkpoint-files';
import { safetensorsMutants, type Mutant } from './helpers/fuzz-classes';
import { sameContent } from './helpers/mutants';
import { rng } from './helpers/random';

interface Tally {
  total: number;
  rejected: number;
  unchanged: number;
  undetectable: Map<string, number>;
  /** Every distinct message shape (numbers blanked), for the log. */
  messages: Set<string>;
  unchangedBy: string[];
}

const tallies = new Map<string, Tally>();
const failures: string[] = [];

function tally(cls: string): Tally {
  let t = tallies.get(cls);
  if (t === undefined) tallies.set(cls, (t = { total: 0, rejected: 0, unchanged: 0, undetectable: new Map(), messages: new Set(), unchangedBy: [] }));
  return t;
}

/** Runs one mutant through `load`, checks the outcome against the rules above, and counts it. */
function judge(prefix: string, file: string, m: Mutant, load: () => void, same: () => boolean, errorName: string): void {
  const t = tally(`${prefix}: ${m.cls}`);
  t.total++;
  const where = `${prefix} ${m.cls} #${t.total}`;
  try {
    load();
  } catch (e) {
    const err = e as Error;
    const msg = String(err.message);
    if (err.name !== errorName) failures.push(`${where}: ${err.name} instead of ${errorName}: ${msg.slice(0, 200)}`);
    else if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(msg)) failures.push(`${where}: message not one clean line: ${JSON.stringify(msg.slice(0, 200))}`);
    else if (!msg.startsWith(`${printable(file, 300)}: `)) failures.push(`${where}: message does not start with the file name: ${msg.slice(0, 200)}`);
    else if (m.names !== undefined && !msg.includes(`tensor ${printable(m.names)}:`)) failures.push(`${where}: message does not name ${m.names}: ${msg.slice(0, 200)}`);
    else {
      t.rejected++;
      t.messages.add(msg.slice(file.length + 2).replace(/\d+/g, 'N').slice(0, process.env.LSGAN_FUZZ_MESSAGES ? 400 : 110));
    }
    return;
  }
  if (m.either !== undefined) t.undetectable.set(m.either, (t.undetectable.get(m.either) ?? 0) + 1);
  else if (same()) { t.unchanged++; t.unchangedBy.push(m.label ?? '?'); }
  else failures.push(`${where}: accepted, and it changed what is loaded`);
}

function report(prefixes: string[]): void {
  const rows = [...tallies].filter(([cls]) => prefixes.some((p) => cls.startsWith(`${p}:`))).map(([cls, t]) => {
    const und = [...t.undetectable].map(([why, n]) => `${n} undetectable (${why})`).join(', ');
    const same = t.unchanged ? `, ${t.unchanged} accepted unchanged (${t.unchangedBy.join('; ')})` : '';
    return `  ${cls.padEnd(44)} ${String(t.total).padStart(4)} mutants: ${t.rejected} rejected${same}${und ? `, ${und}` : ''}\n      messages: ${[...t.messages].slice(0, 6).join(' | ')}`;
  });
  console.log(`fuzz counts per class:\n${rows.join('\n')}`);
  if (process.env.LSGAN_FUZZ_MESSAGES) for (const [cls, t] of tallies) for (const msg of t.messages) console.log(`MSG ${cls}: ${msg}`);
}

const total = (prefix: string) => [...tallies].filter(([k]) => k.startsWith(prefix)).reduce((a, [, t]) => a + t.total, 0);

describe('loaders under seeded fuzzing', () => {
  let generator: Uint8Array, run: Uint8Array, idx: Uint8Array;
  beforeAll(async () => {
    [generator, run] = [await realGeneratorFile(), await realRunFile()];
    // The first 100 digits of the real training images, with the header's count to match.
    const full = readFileSync(join(defaultMnistDir(), TRAIN_IMAGES));
    idx = new Uint8Array(full.subarray(0, 16 + 100 * 784));
    new DataView(idx.buffer).setUint32(4, 100);
  });

  test('generator and run files: >= 1,000 mutants, each rejected in one line naming the file, or accepted only where no rule can tell', () => {
    const t0 = performance.now();
    const r = rng(1212);
    for (const [kind, base, file, load] of [
      ['generator', generator, 'fuzz/model_000937.safetensors', loadAsGenerate],
      ['run', run, 'fuzz/run.safetensors', loadAsResume],
    ] as const) {
      for (const m of safetensorsMutants(base, kind, r)) judge(kind, file, m, () => load(file, m.bytes), () => sameContent(base, m.bytes), 'CheckpointError');
    }
    report(['generator', 'run']);
    console.log(`safetensors fuzz: ${total('generator')} generator + ${total('run')} run mutants in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(total('generator') + total('run')).toBeGreaterThanOrEqual(1000);
  });

  test('IDX images: >= 300 mutants', () => {
    const r = rng(1213);
    const file = 'fuzz/train-images-idx3-ubyte';
    const load = (b: Uint8Array) => expectMnistShape(file, parseIdxImages(file, b));
    const set32 = (at: number, v: number) => { const b = idx.slice(); new DataView(b.buffer).setUint32(at, v); return b; };
    const mutants: Mutant[] = [];
    for (const len of [0, 3, 15, 16, 17, idx.length - 1, ...Array.from({ length: 60 }, () => Math.floor(r() * idx.length))]) mutants.push({ cls: 'truncation', bytes: idx.subarray(0, len) });
    for (let bit = 0; bit < 128; bit++) { const b = idx.slice(); b[bit >> 3] ^= 1 << (bit & 7); mutants.push({ cls: 'header bit flip', bytes: b }); }
    // Header fields set to odd values, including ones whose product still fits the file.
    for (const [at, v] of [[0, 2049], [0, 0], [4, 0], [4, 99], [4, 101], [4, 2 ** 32 - 1], [8, 0], [8, 27], [8, 2 ** 32 - 1], [12, 29], [4, 400]]) mutants.push({ cls: 'header field', bytes: set32(at, v) });
    for (const [count, rows, cols] of [[400, 14, 14], [50, 56, 28], [1225, 8, 8], [100, 784, 1]]) {
      const b = set32(4, count); new DataView(b.buffer).setUint32(8, rows); new DataView(b.buffer).setUint32(12, cols);
      mutants.push({ cls: 'header field', bytes: b });
    }
    for (const extra of [1, 4, 784]) { const b = new Uint8Array(idx.length + extra); b.set(idx); mutants.push({ cls: 'trailing bytes', bytes: b }); }
    mutants.push({ cls: 'trailing bytes', bytes: Uint8Array.from([...idx, ...idx]) });
    for (let k = 0; k < 100; k++) {
      const b = idx.slice(); b[16 + Math.floor(r() * (idx.length - 16))] ^= 1 + Math.floor(r() * 255);
      mutants.push({ cls: 'pixel byte', bytes: b, either: 'a pixel byte: every value 0-255 is a pixel' });
    }
    for (const m of mutants) judge('idx', file, m, () => load(m.bytes), () => Buffer.compare(Buffer.from(m.bytes), Buffer.from(idx)) === 0, 'DataError');
    report(['idx']);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(total('idx')).toBeGreaterThanOrEqual(300);
  });
});
