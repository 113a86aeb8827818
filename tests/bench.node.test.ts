// The benchmark harness (bench/) on Node + Dawn (lavapipe here): its ceiling matmul against a
// CPU multiply, the result file's fields from a tiny real run (both kernel families, and two
// stand-in peers, one that cannot start and one that runs, interleaved with ours), --compare's
// ratios on synthetic result files of both schemas, and the analytic FLOP counts the GFLOP/s
// columns divide by. Nothing here asserts a speed; the real peers have tests of their own
// (tests/tfjs-peer.node.test.ts, tests/jaxjs-peer.node.test.ts).

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
import { SCHEMA_1 } from '../bench/harness/upgrade';
import type { LsganPeerFactory } from '../bench/peer/peer-types';
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
    // conv2d.wgsl is the gpu family's ('auto' picks the cpu family on lavapipe).
    gpu.useKernels('gpu');
    const c = await checkKernels(gpu, ['conv2d.wgsl:forward', 'made-up.wgsl:kernel']);
    expect(c.unchecked).toEqual(['made-up.wgsl:kernel']);
    expect(c.pass).toBe(true);
    for (const r of c.checks) expect(r.relToScale).toBeLessThanOrEqual(TOLERANCE);
  });
});

/** A stand-in peer: no model, a few ms per iteration, fixed losses. */
const standIn: LsganPeerFactory = async () => ({
  library: 'stand-in', version: '0.0.0', adapterName: 'none',
  trainIteration: async () => {
    await new Promise((ok) => setTimeout(ok, 5));
    return { d1: 1, d2: 2, g: 3 };
  },
  paramCounts: () => ({ d: 0, g: 0 }),
  sample: async (n) => new Float32Array(n * 784),
  dispose: () => {},
});

describe('a tiny real run', () => {
  let r: BenchResult;
  let path: string;
  const dir = mkdtempSync(join(tmpdir(), 'lsgan-bench-'));

  beforeAll(async () => {
    // 40 images of pseudo-random bytes; batch 2 everywhere; small fixed ceiling sizes; both
    // families; two rounds at the batch, interleaved with the stand-in peers. --allow-unchecked:
    // the cpu family is being written, and its new entry points get their checks as they land
    // (the gpu family must have none unchecked, below).
    const pixels = Uint8Array.from({ length: 40 * 784 }, (_, i) => (i * 2654435761) >>> 24);
    const raw = { batch: '2', batches: '2', iterations: '2', rounds: '2', warmup: '1', repeat: '1', 'matmul-size': '128', 'copy-mib': '1', peers: 'tfjs,jaxjs', 'peer-warmup': '1', 'peer-iterations': '2', 'allow-unchecked': true, out: dir };
    const o = resolveOptions(raw, { variant: 'node', isCpu: gpu.adapter.isCpu });
    const cannotStart: LsganPeerFactory = async () => {
      throw new Error("the peer's WebGPU backend did not start (test)");
    };
    r = await runBench({
      variant: 'node', gpu, images: { count: 40, rows: 28, cols: 28, pixels }, data: 'test bytes',
      peers: { tfjs: async () => cannotStart, jaxjs: async () => standIn },
      env: { dawn: dawnInfo(), node: process.version, browser: null, machine: machineInfo(), timestampResolution: 'full' },
      command: 'test', log: () => {},
    }, o);
    path = writeResult(dir, r, 'test');
  }, 300_000);

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
    expect(back.options).toMatchObject({ batch: 2, batches: [2], iterations: 2, rounds: 2, peers: ['tfjs', 'jaxjs'], families: ['gpu', 'cpu'] });
    expect(Date.parse(back.date)).toBeGreaterThan(0);
    expect(back.families).toEqual({ endToEnd: ['gpu', 'cpu'], kernels: ['gpu', 'cpu'] });
  });

  test('correctness ran first for each family and passed; ceilings are measured', () => {
    expect(r.correctness.map((c) => c.family)).toEqual(['gpu', 'cpu']);
    for (const c of r.correctness) {
      expect(c.pass).toBe(true);
      expect(c.checks.length).toBeGreaterThan(30);
      expect(c.kernelsLine).toMatch(/^kernels: /);
      // Whatever no check covers is an entry point of that family's iteration, and is shown.
      const entries = new Set(r.kernels.find((k) => k.family === c.family)!.rows.map((x) => x.entry));
      for (const u of c.unchecked) expect(entries.has(u)).toBe(true);
      if (c.unchecked.length > 0) expect(formatResult(r).join('\n')).toContain(`unchecked: ${c.unchecked.join(', ')}`);
    }
    expect(r.correctness[0].unchecked).toEqual([]);
    expect(r.ceilings!.matmul.map((m) => m.M)).toEqual([128, 128]);
    expect(r.ceilings!.gflops).toBeGreaterThan(0);
    expect(r.ceilings!.copy.bytes).toBe(2 ** 20);
    expect(r.ceilings!.gbps).toBeGreaterThan(0);
  });

  test('per kernel, each family: one row per kernel of the iteration, rates from the analytic counts', () => {
    expect(r.kernels.map((k) => k.family)).toEqual(['gpu', 'cpu']);
    for (const k of r.kernels) {
      const e2e = r.endToEnd!.runs.find((x) => x.family === k.family)!;
      expect(k.rows.length).toBe(e2e.kernelsPerIteration);
      expect(k.rows.reduce((a, x) => a + x.dispatches, 0)).toBe(e2e.dispatchesPerIteration);
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
    }
  });

  test('end to end, each family: one submit per iteration, no buffer created while timed, memory counted per model', () => {
    expect(r.endToEnd!.runs.map((x) => x.family)).toEqual(['gpu', 'cpu']);
    for (const x of r.endToEnd!.runs) {
      expect(x.batch).toBe(2);
      expect(x.rounds).toBe(2);
      expect(x.perRoundMs.length).toBe(2);
      expect(x.submitsPerIteration).toBe(1);
      expect(x.buffersCreatedWhileTimed).toBe(0);
      // At least the MNIST bytes (40 images) and G's Dense kernel (100 x 12544 f32) are resident.
      expect(x.gpuMemoryBytes).toBeGreaterThan(40 * 784 + 100 * 12544 * 4);
      expect(x.imagesPerIteration).toBe(4);
      expect(x.tutorialIterationsSeconds).toBeCloseTo((18_740 * x.msPerIteration) / 1000, 6);
    }
    expect(formatResult(r).join('\n')).toMatch(/end to end/);
  });

  test('peers: one that cannot start says why, the other runs interleaved with ours; ratios per family and peer', () => {
    expect(r.peers.map((p) => p.id)).toEqual(['tfjs', 'jaxjs']);
    const [tfjs, jaxjs] = r.peers;
    expect(tfjs).toMatchObject({ ran: false, runs: [] });
    expect(tfjs.reason).toMatch(/failed at batch 2: the peer's WebGPU backend did not start \(test\)/);
    expect(jaxjs).toMatchObject({ ran: true, reason: null, version: '0.0.0', library: 'jax-js' });
    expect(jaxjs.runs[0]).toMatchObject({ batch: 2, warmup: 1, iterations: 2, rounds: 2, lastLosses: { d1: 1, d2: 2, g: 3 } });
    expect(jaxjs.runs[0].ms.n).toBe(4);
    expect(jaxjs.runs[0].perRoundMs.length).toBe(2);
    // Round r starts with contestant r mod n.
    expect(r.interleaving!.batches).toEqual([{ batch: 2, rounds: [['ours:gpu', 'ours:cpu', 'jaxjs'], ['ours:cpu', 'jaxjs', 'ours:gpu']] }]);
    expect(r.ratios.map((x) => `${x.family}/${x.peer}`)).toEqual(['gpu/jaxjs', 'cpu/jaxjs']);
    for (const x of r.ratios) {
      const ours = r.endToEnd!.runs.find((y) => y.family === x.family)!;
      expect(x.oursMs).toBe(ours.msPerIteration);
      expect(x.oursOverPeer).toBeCloseTo(ours.msPerIteration / jaxjs.runs[0].ms.median, 9);
      expect(Number.isFinite(x.pairedOursOverPeer)).toBe(true);
    }
    const text = formatResult(r).join('\n');
    expect(text).toMatch(/peer tfjs: TensorFlow\.js, not run \(failed at batch 2/);
    expect(text).toMatch(/interleaved at batch 2: \[ours:gpu ours:cpu jaxjs\] \[ours:cpu jaxjs ours:gpu\]/);
  });
});

describe('--compare', () => {
  const row = (phase: string, name: string, occ: number, ms: number): KernelRow => ({
    phase, index: 0, key: `${phase}|${name}#${occ}`, name, entry: name.split(' ')[0], direction: 'forward', dispatches: 1,
    flops: 1e6, bytes: 1e6, ms: { median: ms, min: ms, max: ms, n: 1 }, gflops: 0, gbps: 0, ofMatmul: 0, ofCopy: 0,
  });
  const spreadOf = (ms: number) => ({ median: ms, min: ms, max: ms, n: 1 });
  const environment: BenchResult['environment'] = { variant: 'node', adapter: { name: 'test adapter', vendor: '', architecture: '', device: '', description: '', isCpu: true, info: {}, driver: null, features: [], limits: {} }, dawn: null, node: '', browser: null, machine: { os: '', release: '', arch: '', cpuModel: '', cores: 1, memoryBytes: 1 }, clock: 'timestamp-query', timestampResolution: '', data: '' };
  const section = (rows: KernelRow[]) => {
    const total = rows.reduce((s, x) => s + x.ms.median, 0);
    return { batch: 64, warmup: 0, repeat: 1, clock: 'timestamp-query' as const, dispatchesPerSample: null, rows, entries: [{ entry: 'a.wgsl:x', direction: 'forward' as const, count: rows.length, ms: total, flops: 0, bytes: 0, gflops: 0, gbps: 0, ofMatmul: 0, ofCopy: 0, share: 1 }], phases: [{ phase: 'gan', ms: total, share: 1 }], totalMs: total };
  };
  /** A schema 2 file: the 'gpu' family's kernels and end-to-end runs, jax-js's runs. */
  const result = (rows: KernelRow[], e2e: Array<[number, number]>, peer: Array<[number, number]>): BenchResult => ({
    schema: SCHEMA, date: '2026-01-01T00:00:00Z', command: '', options: {}, environment,
    families: { endToEnd: ['gpu'], kernels: ['gpu'] },
    correctness: [{ family: 'gpu', kernelsLine: '', tolerance: '', checks: [], unchecked: [], pass: true }],
    ceilings: null,
    kernels: [{ family: 'gpu', kernelsLine: '', ...section(rows) }],
    endToEnd: { imagesDefinition: '', runs: e2e.map(([batch, ms]) => ({ family: 'gpu', batch, msPerIteration: ms }) as EndToEndRun) },
    peers: [
      { id: 'tfjs', library: 'TensorFlow.js', version: null, ran: false, reason: 'off', what: '', adapterName: null, runs: [] },
      { id: 'jaxjs', library: 'jax-js', version: '0.1.25', ran: true, reason: null, what: '', adapterName: '', runs: peer.map(([batch, ms]) => ({ batch, warmup: 0, iterations: 1, rounds: 1, ms: spreadOf(ms), perRoundMs: [ms], setupMs: 0, warmupMs: [], lastLosses: null })) },
    ],
    interleaving: null, ratios: [], seconds: 0,
  });
  /** A schema 1 file, as the harness wrote them before the kernel families and the jax-js peer. */
  const resultV1 = (rows: KernelRow[], e2e: Array<[number, number]>, peer: Array<[number, number]>) => ({
    schema: SCHEMA_1, date: '2026-01-01T00:00:00Z', command: '', options: {}, environment,
    correctness: { tolerance: '', checks: [], unchecked: [], pass: true },
    ceilings: null,
    kernels: section(rows),
    endToEnd: { imagesDefinition: '', runs: e2e.map(([batch, ms]) => ({ batch, msPerIteration: ms })) },
    peer: { ran: true, reason: null, what: '', tfjsVersion: '4.22.0', adapterName: '', runs: peer.map(([batch, ms]) => ({ batch, warmup: 0, iterations: 1, ms: spreadOf(ms), lastLosses: null })) },
    ratios: [{ batch: 64, oursMs: 200, peerMs: 1000, oursOverPeer: 0.2, speedup: 5 }], seconds: 0,
  });
  const write = (dir: string, name: string, r: unknown) => {
    writeFileSync(join(dir, name), JSON.stringify(r));
    return readResult(join(dir, name));
  };

  test('ratios are B / A, matched by family, phase, name and occurrence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lsgan-compare-'));
    const a = write(dir, 'a.json', result([row('gan', 'a.wgsl:x n=1', 0, 10), row('gan', 'a.wgsl:x n=1', 1, 4), row('d_real', 'a.wgsl:x n=1', 0, 2), row('gan', 'a.wgsl:gone', 0, 1)], [[32, 100], [64, 200]], [[64, 1000]]));
    const b = write(dir, 'b.json', result([row('gan', 'a.wgsl:x n=1', 0, 5), row('gan', 'a.wgsl:x n=1', 1, 8), row('d_real', 'a.wgsl:x n=1', 0, 2), row('gan', 'a.wgsl:new', 0, 3)], [[64, 50], [128, 90]], [[64, 1100]]));
    const c = compareResults(a, b);
    const k = Object.fromEntries(c.kernels.map((x) => [x.key, x.ratio]));
    expect(k).toEqual({ 'gpu: gan|a.wgsl:x n=1#0': 0.5, 'gpu: gan|a.wgsl:x n=1#1': 2, 'gpu: d_real|a.wgsl:x n=1#0': 1 });
    expect(c.onlyInA).toEqual(['gpu: gan|a.wgsl:gone#0']);
    expect(c.onlyInB).toEqual(['gpu: gan|a.wgsl:new#0']);
    expect(c.endToEnd).toEqual([{ key: 'gpu batch 64', a: 200, b: 50, ratio: 0.25 }]);
    expect(c.peer).toEqual([{ key: 'jaxjs batch 64', a: 1000, b: 1100, ratio: 1.1 }]);
    expect(c.kernelTotal.length).toBe(1);
    expect(c.kernelTotal[0].ratio).toBeCloseTo(18 / 17, 12);
    const text = formatCompare(c, 'a.json', 'b.json').join('\n');
    expect(text).toMatch(/0\.250\s+4\.00x\s+gpu batch 64/);
  });

  test('a schema 1 file reads as schema 2 (its family was gpu, its peer TF.js) and compares with a new one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lsgan-compare-'));
    const old = write(dir, 'old.json', resultV1([row('gan', 'a.wgsl:x n=1', 0, 10)], [[64, 200]], [[64, 1000]]));
    expect(old.schema).toBe(SCHEMA);
    expect(old.kernels.map((x) => x.family)).toEqual(['gpu']);
    expect(old.peers.map((p) => [p.id, p.ran, p.version])).toEqual([['tfjs', true, '4.22.0'], ['jaxjs', false, null]]);
    expect(old.ratios[0]).toMatchObject({ family: 'gpu', peer: 'tfjs', oursOverPeer: 0.2 });
    const now = result([row('gan', 'a.wgsl:x n=1', 0, 5)], [[64, 100]], []);
    now.peers[0].runs.push({ batch: 64, warmup: 0, iterations: 1, rounds: 1, ms: spreadOf(900), perRoundMs: [900], setupMs: 0, warmupMs: [], lastLosses: null });
    const c = compareResults(old, write(dir, 'now.json', now));
    expect(c.kernels).toEqual([{ key: 'gpu: gan|a.wgsl:x n=1#0', a: 10, b: 5, ratio: 0.5 }]);
    expect(c.endToEnd).toEqual([{ key: 'gpu batch 64', a: 200, b: 100, ratio: 0.5 }]);
    expect(c.peer).toEqual([{ key: 'tfjs batch 64', a: 1000, b: 900, ratio: 0.9 }]);
  });

  test('a file that is not a bench result is refused with its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lsgan-compare-'));
    writeFileSync(join(dir, 'x.json'), '{"schema": "other"}');
    expect(() => readResult(join(dir, 'x.json'))).toThrow(/x\.json: schema "other"/);
  });

  test('the committed result files (schema 1) still read', () => {
    for (const f of ['lavapipe-2026-11-27.json', 'swiftshader-2026-11-27-peer.json']) {
      const r = readResult(join('bench/results', f));
      expect(r.peers.length).toBe(2);
      expect(r.endToEnd?.runs.every((x) => x.family === 'gpu')).toBe(true);
    }
  });
});
