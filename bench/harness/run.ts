// The harness itself, the same in Node and in the browser: the entries only make the Gpu,
// load the images, describe the environment and write the result. Order: correctness (refuse
// to time on any failure), ceilings, per kernel, end to end, the peer.

import type { Gpu } from '../../src/kernels/gpu';
import type { IdxImages } from '../../src/lsgan/idx';
import { Lsgan, TUTORIAL } from '../../src/lsgan/lsgan';
import { checkKernels, entryOf } from './check';
import { measureCeilings } from './ceilings';
import { benchEndToEnd, IMAGES_DEFINITION } from './e2e';
import { benchKernels } from './kernels';
import type { BenchOptions } from './options';
import { benchPeer, type PeerFactory } from './peer';
import { clockOf } from './timing';
import { SCHEMA, type AdapterRecord, type BenchResult, type Environment, type PeerSection } from './types';

export class BenchRefusal extends Error {}

export interface BenchContext {
  variant: 'node' | 'browser';
  gpu: Gpu;
  images: IdxImages;
  /** What the images are (MNIST, or random bytes in the browser). */
  data: string;
  /** Loads the TF.js peer; null where it cannot run. */
  peer: (() => Promise<PeerFactory>) | null;
  env: Pick<Environment, 'dawn' | 'node' | 'browser' | 'machine' | 'timestampResolution' | 'source'>;
  command: string;
  log: (line: string) => void;
}

/** Everything the adapter says about itself; the Gpu keeps only a summary, so the adapter is asked again (same GPU object, same adapter). */
export async function adapterRecord(gpu: Gpu): Promise<AdapterRecord> {
  const info: Record<string, unknown> = {};
  let features: string[] = [...gpu.device.features].sort();
  try {
    const adapter = await gpu.instance.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter !== null) {
      const i = adapter.info as unknown as Record<string, unknown>;
      for (const k in i) if (typeof i[k] !== 'function') info[k] = i[k];
      features = [...adapter.features].sort();
    }
  } catch {
    // The summary below still holds the names.
  }
  const limits: Record<string, number> = {};
  const l = gpu.device.limits as unknown as Record<string, unknown>;
  for (const k in l) if (typeof l[k] === 'number') limits[k] = l[k] as number;
  const a = gpu.adapter;
  // Chromium with developer features reports the driver itself; Dawn in Node puts it in the description.
  const driver = typeof info.driver === 'string' && info.driver !== '' ? info.driver : a.description || null;
  return { name: a.name, vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, isCpu: a.isCpu, info, driver, features, limits };
}

/** A file-name-safe adapter name: lavapipe, swiftshader, or the vendor and device. */
export function adapterSlug(a: Pick<AdapterRecord, 'vendor' | 'device' | 'description' | 'architecture'>): string {
  const all = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  if (/llvmpipe|lavapipe/.test(all)) return 'lavapipe';
  if (/swiftshader/.test(all)) return 'swiftshader';
  const s = `${a.vendor} ${a.description || a.device || a.architecture}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 48).replace(/-+$/, '') || 'adapter';
}

export async function runBench(ctx: BenchContext, o: BenchOptions): Promise<BenchResult> {
  const start = performance.now();
  const { gpu } = ctx;
  const log = (line: string) => ctx.log(`[${((performance.now() - start) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const clock = clockOf(gpu, o.clock);
  const environment: Environment = { variant: ctx.variant, adapter: await adapterRecord(gpu), clock, data: ctx.data, ...ctx.env };
  log(`adapter: ${gpu.adapter.name}; clock: ${clock}${clock === 'timestamp-query' ? ` (${ctx.env.timestampResolution})` : ''}; defaults: ${o.defaults}`);

  // The model at the per-kernel batch: its entry points are what the checks must cover.
  log(`building the LSGAN at batch ${o.batch}`);
  let model: Lsgan | null = await Lsgan.create(gpu, { ...TUTORIAL, batch: o.batch, seed: o.seed }, ctx.images);
  try {
    const entries = new Set(model.phases.flatMap((p) => p.kernels.map((k) => entryOf(k.name))));
    log(`correctness: ${entries.size} entry points in the iteration; checking them against their CPU twins`);
    const correctness = await checkKernels(gpu, entries);
    const failed = correctness.checks.filter((c) => !c.pass);
    for (const c of failed) log(`  FAIL ${c.what}: max abs error ${c.maxAbsErr.toExponential(2)}, ${c.relToScale.toExponential(2)} of the output's scale`);
    if (!correctness.pass) throw new BenchRefusal(`refusing to time: ${failed.length} of ${correctness.checks.length} correctness checks failed (${correctness.tolerance}): ${failed.map((c) => c.what).join('; ')}`);
    if (correctness.unchecked.length > 0 && !o.allowUnchecked) {
      throw new BenchRefusal(`refusing to time: no correctness check covers ${correctness.unchecked.join(', ')} (add one to bench/harness/check.ts, or pass --allow-unchecked)`);
    }
    const worst = Math.max(...correctness.checks.map((c) => c.relToScale));
    log(`correctness: ${correctness.checks.length} checks pass, worst ${worst.toExponential(1)} of the output's scale (tolerance ${correctness.checks.length > 0 ? '1e-3' : '-'})${correctness.unchecked.length > 0 ? `; UNCHECKED: ${correctness.unchecked.join(', ')}` : ''}`);

    const ceilings = await measureCeilings(gpu, {
      clock, warmup: Math.max(1, o.kernelWarmup), repeat: Math.max(3, o.repeat), dispatches: o.dispatches,
      matmulSize: o.matmulSize, matmulMax: o.matmulMax, copyBytes: o.copyMib === null ? null : o.copyMib * 2 ** 20,
      copyMaxBytes: o.copyMaxMib * 2 ** 20, targetMs: o.targetMs, log,
    });

    let kernels: BenchResult['kernels'] = null;
    if (o.kernels) {
      kernels = await benchKernels(gpu, model, { clock, warmup: o.kernelWarmup, repeat: o.repeat, dispatches: o.dispatches, ceilings, log });
    }
    model.destroy();
    model = null;

    let endToEnd: BenchResult['endToEnd'] = null;
    if (o.e2e) {
      endToEnd = { imagesDefinition: IMAGES_DEFINITION, runs: [] };
      for (const batch of o.batches) {
        log(`end to end: batch ${batch}, ${o.warmup} warm-up, ${o.rounds} x ${o.iterations} timed`);
        endToEnd.runs.push(await benchEndToEnd(gpu, ctx.images, batch, { warmup: o.warmup, iterations: o.iterations, rounds: o.rounds, seed: o.seed, log }));
      }
    }

    const peer: PeerSection = { ran: false, reason: null, what: 'bench/peer/tfjs-lsgan.ts: SPEC.md\'s LSGAN in TensorFlow.js layers on @tensorflow/tfjs-backend-webgpu, same WebGPU implementation and adapter; each iteration timed from trainOnBatch to the losses read back', tfjsVersion: null, adapterName: null, runs: [] };
    if (!o.peer) peer.reason = 'disabled (--no-peer, or the browser default)';
    else if (ctx.peer === null) peer.reason = 'not available here';
    else {
      const factory = await ctx.peer();
      for (const batch of o.peerBatches) {
        log(`peer: batch ${batch}, ${o.peerWarmup} warm-up + ${o.peerIterations} timed`);
        const r = await benchPeer(factory, gpu.instance, ctx.images.pixels, batch, { warmup: o.peerWarmup, iterations: o.peerIterations, seed: o.seed, log });
        peer.tfjsVersion = r.tfjsVersion;
        peer.adapterName = r.adapterName;
        peer.runs.push({ batch: r.batch, warmup: r.warmup, iterations: r.iterations, ms: r.ms, lastLosses: r.lastLosses });
      }
      peer.ran = true;
    }

    const ratios: BenchResult['ratios'] = [];
    for (const p of peer.runs) {
      const ours = endToEnd?.runs.find((r) => r.batch === p.batch);
      if (ours) ratios.push({ batch: p.batch, oursMs: ours.msPerIteration, peerMs: p.ms.median, oursOverPeer: ours.msPerIteration / p.ms.median, speedup: p.ms.median / ours.msPerIteration });
    }
    gpu.check();
    return {
      schema: SCHEMA,
      date: new Date().toISOString(),
      command: ctx.command,
      options: { ...o },
      environment,
      correctness,
      ceilings,
      kernels,
      endToEnd,
      peer,
      ratios,
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    model?.destroy();
  }
}
