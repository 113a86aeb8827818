// The benchmark harness (bench/) on Node + Dawn (lavapipe here): its ceiling matmul against a
// CPU multiply, the result file's fields from a tiny real run, --compare's ratios on two
// synthetic result files, and the analytic FLOP counts the GFLOP/s columns divide by. Nothing
// here asserts a speed.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkMatmul, MATMUL_TOLERANCE } from '../bench/harness/ceilings';
import { checkKernels, relativeError, TOLERANCE } from '../bench/harness/check';
import { dawnInfo, machineInfo, readResult, writeResult } from '../bench/harness/node-io';
import { resolveOptions } from '../bench/harness/options';
import { compareResults, formatCompare, formatResult } from '../bench/harness/report';
import { runBench } from '../bench/harness/run';
import { SCHEMA, type BenchResult, type EndToEndRun, type KernelRow } from '../bench/harness/types';
import { conv2dGeometry, conv2dTransposeGeometry } from '../src/kernels/conv-geometry';
import { conv2dForward, conv2dTransposeForward } from '../src/kernels/conv2d';
import { denseForward } from '../src/kernels/dense';
import { createNodeGpu } from '../src/kernels/device-node';
import type { Gpu } from '../src/kernels/gpu';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await createNodeGpu({ prefer: 'lavapipe' });
});
afterAll(() => gpu?.destroy());

describe('ceiling matmul', () => {
  // f32 accumulation over K <= 384 terms of values in [-1, 1): ~1e-6 of the output's scale.
  test(`both tile variants equal a CPU f64 multiply within ${MATMUL_TOLERANCE} of the output's scale`, async () => {
    for (const [M, N, K] of [[256, 128, 384], [128, 384, 256]]) {
      const err = await checkMatmul(gpu, M, N, K);
      console.log(`matmul ${M}x${K} . ${K}x${N}: ${JSON.stringify(err)}`);
      expect(Object.keys(err).sort()).toEqual(['tile128', 'tile64']);
      for (const e of Object.values(err)) expect(e).toBeLessThanOrEqual(MATMUL_TOLERANCE);
    }
  });
});

describe('analytic counts', () => {
  test('conv, transposed conv and dense FLOPs are 2 x (multiply-adds) of the layer', async () => {
    const made: GPUBuffer[] = [];
    const t = (shape: number[]) => {
      const x = gpu.tensor(shape, 't');
      made.push(x.buffer);
      return x;
    };
    // D's second conv at batch 64: every output pixel (7x7x128) sums 4*4*64 products.
    const g = conv2dGeometry('d conv2', [64, 14, 14, 64], [4, 4, 64, 128], 2, 'same');
    const conv = await conv2dForward(gpu, g, t([64, 14, 14, 64]), t([4, 4, 64, 128]), t([128]), t([64, 7, 7, 128]));
    expect(conv.flops).toBe(2 * 64 * 7 * 7 * 128 * (4 * 4 * 64));
    expect(conv.flops).toBe(822_083_584);
    // G's first transposed conv: each input element (7x7x256) is spread over 4*4 taps of 128 outputs.
    const gt = conv2dTransposeGeometry('g convT1', [64, 7, 7, 256], [4, 4, 128, 256], 2, 'same');
    const convT = await conv2dTransposeForward(gpu, gt, t([64, 7, 7, 256]), t([4, 4, 128, 256]), t([128]), t([64, 14, 14, 128]));
    expect(convT.flops).toBe(2 * 64 * 7 * 7 * 256 * (4 * 4 * 128));
    // G's Dense: 100 -> 12544 per image.
    const dense = await denseForward(gpu, t([64, 100]), t([100, 12544]), t([12544]), t([64, 12544]));
    expect(dense.flops).toBe(2 * 64 * 100 * 12544);
    // Bytes: each operand read or written once (x, w, b, y), 4 bytes each.
    expect(conv.bytes).toBe(4 * (64 * 14 * 14 * 64 + 4 * 4 * 64 * 128 + 128 + 64 * 7 * 7 * 128));
    for (const b of made) b.destroy();
  });
});

describe('correctness gate', () => {
  test('relative error: NaN and Inf fail, exact answers pass', () => {
    expect(relativeError([1, 2, 3], [1, 2, 3]).relToScale).toBe(0);
    expect(relativeError([1, NaN, 3], [1, 2, 3]).relToScale).toBe(Infinity);
    expect(relativeError([1, Infinity], [1, 2]).relToScale).toBe(Infinity);
    expect(relativeError([1, 2.5], [1, 2]).relToScale).toBeCloseTo(0.25, 12);
  });

  test('an entry point no check covers is reported as unchecked', async () => {
    const c = await checkKernels(gpu, ['conv2d.wgsl:forward', 'made-up.wgsl:kernel']);
    expect(c.unchecked).toEqual(['made-up.wgsl:kernel']);
    expect(c.pass).toBe(true);
    for (const r of c.checks) expect(r.relToScale).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('a tiny real run', () => {
  let r: BenchResult;
  let path: string;
  const dir = mkdtempSync(join(tmpdir(), 'lsgan-bench-'));

  beforeAll(async () => {
    // 40 images of pseudo-random bytes; batch 2 everywhere; small fixed ceiling sizes.
    const pixels = Uint8Array.from({ length: 40 * 784 }, (_, i) => (i * 2654435761) >>> 24);
    const raw = { batch: '2', batches: '2', iterations: '2', warmup: '1', repeat: '1', 'matmul-size': '128', 'copy-mib': '1', 'no-peer': true, out: dir };
    const o = resolveOptions(raw, { variant: 'node', isCpu: gpu.adapter.isCpu });
    r = await runBench({
      variant: 'node', gpu, images: { count: 40, rows: 28, cols: 28, pixels }, data: 'test bytes', peer: null,
      env: { dawn: dawnInfo(), node: process.version, browser: null, machine: machineInfo(), timestampResolution: 'full' },
      command: 'test', log: () => {},
    }, o);
    path = writeResult(dir, r, 'test');
  }, 240_000);

  test('the file is written where the issue says, and holds the environment', () => {
    expect(basename(path)).toMatch(/^lavapipe-\d{4}-\d\d-\d\d-test\.json$/);
    const back = readResult(path);
    expect(back.schema).toBe(SCHEMA);
    const e = back.environment;
    expect(e.adapter.name).toMatch(/llvmpipe/);
    for (const k of ['vendor', 'architecture', 'description'] as const) expect(typeof e.adapter[k]).toBe('string');
    expect(e.adapter.driver).toMatch(/Mesa/);
    expect(e.dawn?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(e.node).toBe(process.version);
    expect(e.machine.cores).toBeGreaterThan(0);
    expect(e.machine.memoryBytes).toBeGreaterThan(0);
    expect(e.clock).toBe('timestamp-query');
    expect(back.options).toMatchObject({ batch: 2, batches: [2], iterations: 2, peer: false });
    expect(Date.parse(back.date)).toBeGreaterThan(0);
    expect(back.peer).toMatchObject({ ran: false });
  });

  test('correctness ran first and passed; ceilings are measured', () => {
    expect(r.correctness.pass).toBe(true);
    expect(r.correctness.checks.length).toBeGreaterThan(30);
    expect(r.correctness.unchecked).toEqual([]);
    expect(r.ceilings!.matmul.map((m) => m.M)).toEqual([128, 128]);
    expect(r.ceilings!.gflops).toBeGreaterThan(0);
    expect(r.ceilings!.copy.bytes).toBe(2 ** 20);
    expect(r.ceilings!.gbps).toBeGreaterThan(0);
  });

  test('per kernel: one row per dispatch of the iteration, rates from the analytic counts', () => {
    const k = r.kernels!;
    expect(k.rows.length).toBe(r.endToEnd!.runs[0].kernelsPerIteration);
    expect(k.rows.reduce((a, x) => a + x.dispatches, 0)).toBe(r.endToEnd!.runs[0].dispatchesPerIteration);
    expect(new Set(k.rows.map((x) => x.key)).size).toBe(k.rows.length);
    for (const x of k.rows) {
      expect(x.ms.n).toBe(1);
      expect(x.ms.min).toBeLessThanOrEqual(x.ms.median);
      if (x.ms.median > 0) expect(x.gflops).toBeCloseTo(x.flops / x.ms.median / 1e6, 9);
      if (x.ms.median > 0) expect(x.ofMatmul).toBeCloseTo(x.gflops / r.ceilings!.gflops, 9);
    }
    expect(k.entries.reduce((a, e) => a + e.count, 0)).toBe(k.rows.length);
    expect(k.entries.reduce((a, e) => a + e.ms, 0)).toBeCloseTo(k.totalMs, 6);
    const dirs = new Set(k.rows.map((x) => x.direction));
    for (const d of ['inputs', 'forward', 'loss', 'backward', 'optimizer']) expect(dirs.has(d as KernelRow['direction'])).toBe(true);
  });

  test('end to end: one submit per iteration, no buffer created while timed, memory counted', () => {
    const x = r.endToEnd!.runs[0];
    expect(x.batch).toBe(2);
    expect(x.submitsPerIteration).toBe(1);
    expect(x.buffersCreatedWhileTimed).toBe(0);
    // At least the MNIST bytes (40 images) and G's Dense kernel (100 x 12544 f32) are resident.
    expect(x.gpuMemoryBytes).toBeGreaterThan(40 * 784 + 100 * 12544 * 4);
    expect(x.imagesPerIteration).toBe(4);
    expect(x.tutorialIterationsSeconds).toBeCloseTo((18_740 * x.msPerIteration) / 1000, 6);
    expect(formatResult(r).join('\n')).toMatch(/end to end/);
  });
});

describe('--compare', () => {
  const row = (phase: string, name: string, occ: number, ms: number): KernelRow => ({
    phase, index: 0, key: `${phase}|${name}#${occ}`, name, entry: name.split(' ')[0], direction: 'forward', dispatches: 1,
    flops: 1e6, bytes: 1e6, ms: { median: ms, min: ms, max: ms, n: 1 }, gflops: 0, gbps: 0, ofMatmul: 0, ofCopy: 0,
  });
  const result = (rows: KernelRow[], e2e: Array<[number, number]>, peer: Array<[number, number]>): BenchResult => ({
    schema: SCHEMA, date: '2026-01-01T00:00:00Z', command: '', options: {},
    environment: { variant: 'node', adapter: { name: 'test adapter', vendor: '', architecture: '', device: '', description: '', isCpu: true, info: {}, driver: null, features: [], limits: {} }, dawn: null, node: '', browser: null, machine: { os: '', release: '', arch: '', cpuModel: '', cores: 1, memoryBytes: 1 }, clock: 'timestamp-query', timestampResolution: '', data: '' },
    correctness: { tolerance: '', checks: [], unchecked: [], pass: true },
    ceilings: null,
    kernels: { batch: 64, warmup: 0, repeat: 1, clock: 'timestamp-query', dispatchesPerSample: null, rows, entries: [{ entry: 'a.wgsl:x', direction: 'forward', count: rows.length, ms: rows.reduce((s, x) => s + x.ms.median, 0), flops: 0, bytes: 0, gflops: 0, gbps: 0, ofMatmul: 0, ofCopy: 0, share: 1 }], phases: [{ phase: 'gan', ms: rows.reduce((s, x) => s + x.ms.median, 0), share: 1 }], totalMs: rows.reduce((s, x) => s + x.ms.median, 0) },
    endToEnd: { imagesDefinition: '', runs: e2e.map(([batch, ms]) => ({ batch, msPerIteration: ms }) as EndToEndRun) },
    peer: { ran: true, reason: null, what: '', tfjsVersion: '', adapterName: '', runs: peer.map(([batch, ms]) => ({ batch, warmup: 0, iterations: 1, ms: { median: ms, min: ms, max: ms, n: 1 }, lastLosses: null })) },
    ratios: [], seconds: 0,
  });

  test('ratios are B / A, matched by phase, name and occurrence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lsgan-compare-'));
    const a = result([row('gan', 'a.wgsl:x n=1', 0, 10), row('gan', 'a.wgsl:x n=1', 1, 4), row('d_real', 'a.wgsl:x n=1', 0, 2), row('gan', 'a.wgsl:gone', 0, 1)], [[32, 100], [64, 200]], [[64, 1000]]);
    const b = result([row('gan', 'a.wgsl:x n=1', 0, 5), row('gan', 'a.wgsl:x n=1', 1, 8), row('d_real', 'a.wgsl:x n=1', 0, 2), row('gan', 'a.wgsl:new', 0, 3)], [[64, 50], [128, 90]], [[64, 1100]]);
    writeFileSync(join(dir, 'a.json'), JSON.stringify(a));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(b));
    const c = compareResults(readResult(join(dir, 'a.json')), readResult(join(dir, 'b.json')));
    const k = Object.fromEntries(c.kernels.map((x) => [x.key, x.ratio]));
    expect(k).toEqual({ 'gan|a.wgsl:x n=1#0': 0.5, 'gan|a.wgsl:x n=1#1': 2, 'd_real|a.wgsl:x n=1#0': 1 });
    expect(c.onlyInA).toEqual(['gan|a.wgsl:gone#0']);
    expect(c.onlyInB).toEqual(['gan|a.wgsl:new#0']);
    expect(c.endToEnd).toEqual([{ key: 'batch 64', a: 200, b: 50, ratio: 0.25 }]);
    expect(c.peer).toEqual([{ key: 'peer batch 64', a: 1000, b: 1100, ratio: 1.1 }]);
    expect(c.kernelTotal!.ratio).toBeCloseTo(18 / 17, 12);
    const text = formatCompare(c, 'a.json', 'b.json').join('\n');
    expect(text).toMatch(/0\.250\s+4\.00x\s+batch 64/);
  });

  test('a file that is not a bench result is refused with its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lsgan-compare-'));
    writeFileSync(join(dir, 'x.json'), '{"schema": "other"}');
    expect(() => readResult(join(dir, 'x.json'))).toThrow(/x\.json: schema "other"/);
  });
});
