// The harness itself, the same in Node and in the browser: the entries only make the Gpu,
// load the images, describe the environment and write the result. Order: correctness of every
// kernel family that will be timed (refuse to time on any failure), ceilings, per kernel (each
// family), then end to end and the peers, interleaved at each batch (interleave.ts).

import { resolveKernelFamily, type Gpu } from '../../src/kernels/gpu';
import type { LsganPeerFactory, PeerId } from '../peer/peer-types';
import type { IdxImages } from '../../src/lsgan/idx';
import { Lsgan, TUTORIAL } from '../../src/lsgan/lsgan';
import { checkKernels, entryOf } from './check';
import { measureCeilings } from './ceilings';
import { IMAGES_DEFINITION, OursAtBatch } from './e2e';
import { interleave, pairedRatio, ROTATION, type Entrant } from './interleave';
import { benchKernels } from './kernels';
import type { BenchOptions } from './options';
import { PeerAtBatch, peerSections, type PeerFactories } from './peer';
import { clockOf } from './timing';
import { SCHEMA, type AdapterRecord, type BenchResult, type EndToEndRun, type Environment, type Family, type FamilyCorrectness, type Interleaving, type KernelSection, type PeerRun, type RatioRow } from './types';

export class BenchRefusal extends Error {}

export interface BenchContext {
  variant: 'node' | 'browser';
  gpu: Gpu;
  images: IdxImages;
  /** What the images are (MNIST, or random bytes in the browser). */
  data: string;
  /** Loads each peer that can run here (absent: not available in this variant). */
  peers: PeerFactories;
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
  const e2eFamilies: Family[] = o.e2e ? o.families : [];
  const kernelFamilies: Family[] = !o.kernels ? [] : o.kernelChoice !== null ? [resolveKernelFamily(o.kernelChoice, gpu.adapter)] : o.families;
  const checked = (['gpu', 'cpu'] as const).filter((f) => e2eFamilies.includes(f) || kernelFamilies.includes(f));
  log(`adapter: ${gpu.adapter.name}; clock: ${clock}${clock === 'timestamp-query' ? ` (${ctx.env.timestampResolution})` : ''}; defaults: ${o.defaults}; families: end to end ${e2eFamilies.join(',') || '-'}, per kernel ${kernelFamilies.join(',') || '-'}; peers: ${o.peers.join(',') || 'none'}`);
  const original = gpu.kernels;
  const models = new Map<Family, Lsgan>();
  try {
    // Each family's model at the per-kernel batch: its entry points are what the checks must cover.
    const correctness: FamilyCorrectness[] = [];
    for (const family of checked) {
      gpu.useKernels(family);
      log(`building the LSGAN at batch ${o.batch}, ${gpu.kernelsLine}`);
      const model = await Lsgan.create(gpu, { ...TUTORIAL, batch: o.batch, seed: o.seed }, ctx.images);
      models.set(family, model);
      const entries = new Set(model.phases.flatMap((p) => p.kernels.map((k) => entryOf(k.name))));
      log(`correctness (${family}): ${entries.size} entry points in the iteration; checking them against their CPU twins`);
      const c: FamilyCorrectness = { family, kernelsLine: gpu.kernelsLine, ...(await checkKernels(gpu, entries)) };
      correctness.push(c);
      const failed = c.checks.filter((x) => !x.pass);
      for (const x of failed) log(`  FAIL ${x.what}: max abs error ${x.maxAbsErr.toExponential(2)}, ${x.relToScale.toExponential(2)} of the output's scale`);
      if (!c.pass) throw new BenchRefusal(`refusing to time: ${failed.length} of ${c.checks.length} correctness checks failed for the ${family} kernel family (${c.tolerance}): ${failed.map((x) => x.what).join('; ')}`);
      if (c.unchecked.length > 0 && !o.allowUnchecked) {
        throw new BenchRefusal(`refusing to time: no correctness check covers ${c.unchecked.join(', ')} (${family} kernel family; add one to bench/harness/check.ts, or pass --allow-unchecked)`);
      }
      const worst = Math.max(...c.checks.map((x) => x.relToScale));
      log(`correctness (${family}): ${c.checks.length} checks pass, worst ${worst.toExponential(1)} of the output's scale${c.unchecked.length > 0 ? `; UNCHECKED: ${c.unchecked.join(', ')}` : ''}`);
      if (!kernelFamilies.includes(family)) {
        model.destroy();
        models.delete(family);
      }
    }

    const ceilings = await measureCeilings(gpu, {
      clock, warmup: Math.max(1, o.kernelWarmup), repeat: Math.max(3, o.repeat), dispatches: o.dispatches,
      matmulSize: o.matmulSize, matmulMax: o.matmulMax, copyBytes: o.copyMib === null ? null : o.copyMib * 2 ** 20,
      copyMaxBytes: o.copyMaxMib * 2 ** 20, targetMs: o.targetMs, log,
    });

    const kernels: KernelSection[] = [];
    for (const family of kernelFamilies) {
      gpu.useKernels(family);
      log(`per kernel (${family}): ${gpu.kernelsLine}`);
      kernels.push(await benchKernels(gpu, models.get(family)!, { family, kernelsLine: gpu.kernelsLine, clock, warmup: o.kernelWarmup, repeat: o.repeat, dispatches: o.dispatches, ceilings, log }));
      models.get(family)!.destroy();
      models.delete(family);
    }

    // End to end and the peers, interleaved at each batch.
    const peers = peerSections();
    const wanted = peers.filter((p) => o.peers.includes(p.id));
    for (const p of peers) if (!o.peers.includes(p.id)) p.reason = o.peers.length === 0 ? 'disabled (--peers none / --no-peer, or the browser default)' : `not in --peers ${o.peers.join(',')}`;
    for (const p of wanted) if (ctx.peers[p.id] === undefined) p.reason = `not available in the ${ctx.variant} variant`;
    const factories = new Map<PeerId, LsganPeerFactory>();
    for (const p of wanted) {
      const load = ctx.peers[p.id];
      if (load === undefined) continue;
      try {
        factories.set(p.id, await load());
      } catch (e) {
        p.reason = `could not load: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const e2eRuns: EndToEndRun[] = [];
    const interleaving: Interleaving = { unit: 'round', rotation: ROTATION, batches: [] };
    const batches = [...new Set([...(e2eFamilies.length > 0 ? o.batches : []), ...(factories.size > 0 ? o.peerBatches : [])])];
    for (const batch of batches) {
      const entrants: Entrant[] = [];
      if (o.batches.includes(batch)) {
        for (const family of e2eFamilies) {
          entrants.push({
            name: `ours:${family}`,
            create: () => OursAtBatch.create(gpu, family, ctx.images, batch, { warmup: o.warmup, iterations: o.iterations, seed: o.seed, log }),
            done: (c) => e2eRuns.push((c as OursAtBatch).result()),
          });
        }
      }
      if (o.peerBatches.includes(batch)) {
        for (const p of wanted) {
          const factory = factories.get(p.id);
          if (factory === undefined || p.reason !== null) continue;
          entrants.push({
            name: p.id,
            create: () => PeerAtBatch.create(p.id, factory, gpu.instance, ctx.images.pixels, batch, { warmup: o.peerWarmup, iterations: o.peerIterations, seed: o.seed, log }),
            done: (c) => {
              const x = c as PeerAtBatch;
              p.ran = true;
              p.version = x.peer.version;
              p.adapterName = x.peer.adapterName;
              p.runs.push(x.result());
            },
            fail: (e) => {
              p.reason = `failed at batch ${batch}: ${e instanceof Error ? e.message : String(e)}`;
            },
          });
        }
      }
      log(`end to end at batch ${batch}: ${entrants.map((e) => e.name).join(', ')}; warm-up ${o.warmup} (ours) / ${o.peerWarmup} (peers), then ${o.rounds} rounds of ${o.iterations} (ours) / ${o.peerIterations} (peers) iterations, interleaved`);
      const rounds = await interleave(entrants, o.rounds, log);
      interleaving.batches.push({ batch, rounds });
    }
    // A peer that failed keeps the runs of the batches before; it counts as not run.
    for (const p of wanted) if (p.reason !== null) p.ran = false;

    const ratios: RatioRow[] = [];
    for (const p of peers.filter((x) => x.ran)) {
      for (const run of p.runs) {
        for (const ours of e2eRuns.filter((r) => r.batch === run.batch)) ratios.push(ratioRow(ours, p.id, run));
      }
    }
    gpu.check();
    return {
      schema: SCHEMA,
      date: new Date().toISOString(),
      command: ctx.command,
      options: { ...o },
      environment,
      families: { endToEnd: e2eFamilies, kernels: kernelFamilies },
      correctness,
      ceilings,
      kernels,
      endToEnd: o.e2e ? { imagesDefinition: IMAGES_DEFINITION, runs: e2eRuns } : null,
      peers,
      interleaving: interleaving.batches.length > 0 ? interleaving : null,
      ratios,
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    for (const m of models.values()) m.destroy();
    gpu.useKernels(original);
  }
}

function ratioRow(ours: EndToEndRun, peer: RatioRow['peer'], run: PeerRun): RatioRow {
  return {
    batch: run.batch, family: ours.family, peer, oursMs: ours.msPerIteration, peerMs: run.ms.median,
    oursOverPeer: ours.msPerIteration / run.ms.median, speedup: run.ms.median / ours.msPerIteration,
    pairedOursOverPeer: pairedRatio(ours.perRoundMs, run.perRoundMs),
  };
}
