// Per kernel: every dispatch of the recorded training iteration (Lsgan.phases), timed on its
// own, with GFLOP/s and GB/s from the launchers' analytic counts (Kernel.flops, Kernel.bytes)
// and their fractions of the same run's ceilings; then summed per entry point and per phase.

import type { Gpu } from '../../src/kernels/gpu';
import type { Kernel } from '../../src/kernels/kernel';
import type { Lsgan } from '../../src/lsgan/lsgan';
import { entryOf } from './check';
import { median, ratePerMs, spread } from './stats';
import { timeWork, type ClockKind } from './timing';
import type { Direction, EntryRow, Family, KernelRow, KernelSection } from './types';

/**
 * Forward or backward, read from the model's traces where they can be seen (Lsgan keeps them
 * private; read-only access here, src/ is not changed), else from the names.
 */
export function directions(m: Lsgan): (phase: string, k: Kernel) => Direction {
  const traces = (m as unknown as { traces?: Array<{ forward?: Kernel[]; backward?: Kernel[] }> }).traces ?? [];
  const fwd = new Set<Kernel>(traces.flatMap((t) => t.forward ?? []));
  const bwd = new Set<Kernel>(traces.flatMap((t) => t.backward ?? []));
  return (phase, k) => {
    const entry = entryOf(k.name);
    if (phase === 'inputs') return 'inputs';
    if (entry.startsWith('adam.wgsl')) return 'optimizer';
    if (entry.startsWith('mse.wgsl')) return 'loss';
    if (fwd.has(k)) return 'forward';
    if (bwd.has(k)) return 'backward';
    // By name: conv ops carry the op after the entry point ("conv2dTransposeForward" runs backward_input).
    const op = k.name.split(' ')[1] ?? '';
    if (/Backward/.test(op)) return 'backward';
    if (/Forward/.test(op)) return 'forward';
    return /backward|channel_sum|add_into/.test(entry) ? 'backward' : 'forward';
  };
}

export interface KernelBenchOptions {
  /** The family `m` was built with, and Gpu.kernelsLine then. */
  family: Family;
  kernelsLine: string;
  clock: ClockKind;
  warmup: number;
  repeat: number;
  dispatches: number;
  ceilings: { gflops: number; gbps: number } | null;
  log: (line: string) => void;
}

export async function benchKernels(gpu: Gpu, m: Lsgan, o: KernelBenchOptions): Promise<KernelSection> {
  const work = m.phases.map((p) => ({ group: p.name, kernels: p.kernels }));
  const list = work.flatMap((w) => w.kernels.map((k, index) => ({ phase: w.group, k, index })));
  o.log(`per kernel (${o.family}): batch ${m.config.batch}, ${list.length} kernels (${list.reduce((a, x) => a + x.k.dispatches, 0)} dispatches), ${o.clock}${o.clock === 'wall-clock' ? ` (${o.dispatches} dispatches per submit)` : ''}, ${o.warmup} warm-up + ${o.repeat} timed`);
  const samples = await timeWork(gpu, work, {
    clock: o.clock, warmup: o.warmup, repeat: o.repeat, dispatches: o.dispatches,
    onRound: (r, of, ms) => o.log(`  round ${r}/${of}: ${(ms / 1000).toFixed(1)} s`),
  });
  gpu.check();
  const dir = directions(m);
  const seen = new Map<string, number>();
  const mm = o.ceilings?.gflops ?? NaN, bw = o.ceilings?.gbps ?? NaN;
  const rows: KernelRow[] = list.map(({ phase, k, index }, i) => {
    const base = `${phase}|${k.name}`;
    const occ = seen.get(base) ?? 0;
    seen.set(base, occ + 1);
    const ms = spread(samples[i]);
    const gflops = ratePerMs(k.flops, ms.median), gbps = ratePerMs(k.bytes, ms.median);
    return {
      phase, index, key: `${base}#${occ}`, name: k.name, entry: entryOf(k.name), direction: dir(phase, k), dispatches: k.dispatches,
      flops: k.flops, bytes: k.bytes, ms, gflops, gbps, ofMatmul: gflops / mm, ofCopy: gbps / bw,
    };
  });
  const totalMs = rows.reduce((a, r) => a + r.ms.median, 0);
  return { family: o.family, kernelsLine: o.kernelsLine, batch: m.config.batch, warmup: o.warmup, repeat: o.repeat, clock: o.clock, dispatchesPerSample: o.clock === 'wall-clock' ? o.dispatches : null, rows, entries: entryRows(rows, o.ceilings), phases: phaseRows(rows), totalMs };
}

/** Rows summed per entry point and direction (conv2d.wgsl:backward_input serves both a forward and a backward). */
export function entryRows(rows: readonly KernelRow[], ceilings: { gflops: number; gbps: number } | null): EntryRow[] {
  const total = rows.reduce((a, r) => a + r.ms.median, 0);
  const by = new Map<string, EntryRow>();
  for (const r of rows) {
    const key = `${r.entry}|${r.direction}`;
    const e = by.get(key) ?? { entry: r.entry, direction: r.direction, count: 0, ms: 0, flops: 0, bytes: 0, gflops: 0, gbps: 0, ofMatmul: 0, ofCopy: 0, share: 0 };
    e.count++;
    e.ms += r.ms.median;
    e.flops += r.flops;
    e.bytes += r.bytes;
    by.set(key, e);
  }
  for (const e of by.values()) {
    e.gflops = ratePerMs(e.flops, e.ms);
    e.gbps = ratePerMs(e.bytes, e.ms);
    e.ofMatmul = e.gflops / (ceilings?.gflops ?? NaN);
    e.ofCopy = e.gbps / (ceilings?.gbps ?? NaN);
    e.share = e.ms / total;
  }
  return [...by.values()].sort((a, b) => b.ms - a.ms);
}

export function phaseRows(rows: readonly KernelRow[]): KernelSection['phases'] {
  const total = rows.reduce((a, r) => a + r.ms.median, 0);
  const by = new Map<string, number>();
  for (const r of rows) by.set(r.phase, (by.get(r.phase) ?? 0) + r.ms.median);
  return [...by].map(([phase, ms]) => ({ phase, ms, share: ms / total }));
}

export { median };
