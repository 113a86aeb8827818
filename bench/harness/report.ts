// The printed tables (and --compare, from compare.ts). Pure functions over BenchResult, shared by both entries.

import type { BenchResult, KernelSection } from './types';

export { compareResults, formatCompare, type Comparison, type Ratio } from './compare';

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
const pad = (s: string, n: number) => s.padStart(n);
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4));
const duration = (s: number) => (s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : s < 172800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} days`);

export function formatResult(r: BenchResult, topKernels = 30): string[] {
  const e = r.environment;
  const out: string[] = [];
  out.push(`== webgpu-lsgan bench (${e.variant}), ${r.date}`);
  out.push(`adapter: ${e.adapter.name}  [vendor ${e.adapter.vendor || '-'}, architecture ${e.adapter.architecture || '-'}, driver ${e.adapter.driver ?? '-'}]`);
  const sw = [e.dawn ? `webgpu (Dawn) ${e.dawn.version ?? '?'}${e.dawn.dawnNode ? ` from ${e.dawn.dawnNode}` : ''}` : null, e.browser ? `${e.browser.name} ${e.browser.version}${e.browser.developerFeatures ? ' with WebGPU developer features' : ''}` : null, `Node ${e.node}`].filter((s) => s !== null);
  out.push(`software: ${sw.join(', ')}; machine: ${e.machine.cpuModel} x${e.machine.cores}, ${(e.machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${e.machine.os} ${e.machine.release}`);
  if (e.source) out.push(`source: git ${e.source.commit?.slice(0, 10) ?? '?'}${e.source.modified?.length ? ` + uncommitted changes in ${e.source.modified.length} files under src/, shaders/, bench/` : ''}`);
  out.push(`clock: ${e.clock}${e.clock === 'timestamp-query' ? ` (${e.timestampResolution})` : ''}; data: ${e.data}`);
  for (const c of r.correctness) {
    const worst = c.checks.reduce((a, x) => Math.max(a, x.relToScale), 0);
    out.push(`correctness (${c.family}; ${c.kernelsLine}): ${c.checks.filter((x) => x.pass).length}/${c.checks.length} checks pass against the CPU twins, worst error ${worst.toExponential(1)} of the output's scale${c.unchecked.length ? `; unchecked: ${c.unchecked.join(', ')}` : ''}`);
  }
  if (r.ceilings) {
    const m = r.ceilings;
    const best = m.matmul.reduce((a, x) => (x.gflops > a.gflops ? x : a));
    out.push(`ceilings: matmul ${f(m.gflops)} GFLOP/s (${best.variant}, ${best.M}^3, ${ms(best.ms.median)} ms [${ms(best.ms.min)}-${ms(best.ms.max)}]); copy ${f(m.gbps)} GB/s read+write (${(m.copy.bytes / 2 ** 20).toFixed(0)} MiB, ${ms(m.copy.ms.median)} ms)`);
  }
  for (const k of r.kernels) out.push(...kernelSection(k, topKernels));
  if (r.endToEnd) {
    out.push('');
    out.push(`end to end (Lsgan.trainStep; ${r.endToEnd.imagesDefinition})`);
    out.push(' batch  family  ms/iter (min-max of iterations)   images/s   18,740 iterations   kernels/dispatches  submits  new buffers  GPU MiB');
    for (const x of r.endToEnd.runs) {
      const range = `${ms(x.msPerIteration)} (${ms(x.intervalMs.min)}-${ms(x.intervalMs.max)})`;
      out.push(`${pad(String(x.batch), 6)}  ${x.family.padEnd(6)}  ${range.padEnd(33)}${pad(f(x.imagesPerSecond, 1), 9)}${pad(duration(x.tutorialIterationsSeconds), 20)}${pad(`${x.kernelsPerIteration ?? '-'}/${x.dispatchesPerIteration}`, 21)}${pad(f(x.submitsPerIteration, 2), 9)}${pad(String(x.buffersCreatedWhileTimed), 13)}${pad(f(x.gpuMemoryBytes / 2 ** 20, 1), 9)}`);
    }
  }
  out.push('');
  for (const p of r.peers) {
    if (p.ran) {
      const setup = p.runs.map((x) => `batch ${x.batch}: set up ${ms(x.setupMs)} ms, warm-up ${x.warmupMs.map(ms).join(', ') || '-'} ms`).join('; ');
      out.push(`peer ${p.id}: ${p.library} ${p.version} webgpu backend on ${p.adapterName} (${setup})`);
    } else out.push(`peer ${p.id}: ${p.library}, not run (${p.reason})`);
  }
  if (r.ratios.length > 0) {
    out.push(' batch  peer    peer ms/iter (min-max)      ours    ours ms/iter   ours/peer   paired   speed-up');
    for (const x of r.ratios) {
      const p = r.peers.find((y) => y.id === x.peer)?.runs.find((y) => y.batch === x.batch);
      const range = p ? `${ms(p.ms.median)} (${ms(p.ms.min)}-${ms(p.ms.max)})` : ms(x.peerMs);
      out.push(`${pad(String(x.batch), 6)}  ${x.peer.padEnd(6)}  ${range.padEnd(28)}${x.family.padEnd(6)}${pad(ms(x.oursMs), 14)}${pad(f(x.oursOverPeer, 3), 12)}${pad(f(x.pairedOursOverPeer, 3), 9)}${pad(`${f(x.speedup, 2)}x`, 11)}`);
    }
  }
  if (r.interleaving) {
    for (const b of r.interleaving.batches) out.push(`interleaved at batch ${b.batch}: ${b.rounds.map((x) => `[${x.join(' ')}]`).join(' ')}`);
  }
  out.push(`(run took ${duration(r.seconds)})`);
  return out;
}

function kernelSection(k: KernelSection, topKernels: number): string[] {
  const out: string[] = [''];
  out.push(`per kernel (${k.family}; ${k.kernelsLine}) at batch ${k.batch}: ${k.rows.length} kernels (${k.rows.reduce((a, x) => a + (x.dispatches ?? 1), 0)} dispatches), sum ${ms(k.totalMs)} ms; ${k.clock}${k.dispatchesPerSample ? ` (${k.dispatchesPerSample} dispatches per submit, includes submit overhead)` : ''}; median of ${k.repeat} after ${k.warmup} warm-up`);
  out.push(`by phase: ${k.phases.map((p) => `${p.phase} ${ms(p.ms)} ms (${pct(p.share)})`).join(', ')}`);
  out.push('');
  out.push(`${'by entry point'.padEnd(32)}${'direction'.padEnd(10)}   n        ms   share  GFLOP/s  %matmul     GB/s   %copy`);
  for (const x of k.entries) {
    out.push(`${x.entry.padEnd(32)}${x.direction.padEnd(10)}${pad(String(x.count), 4)}${pad(ms(x.ms), 10)}${pad(pct(x.share), 8)}${pad(f(x.gflops), 9)}${pad(pct(x.ofMatmul), 9)}${pad(f(x.gbps), 9)}${pad(pct(x.ofCopy), 8)}`);
  }
  out.push('');
  out.push(`slowest ${Math.min(topKernels, k.rows.length)} kernels (all ${k.rows.length} in the JSON)`);
  out.push('      ms (min-max)             GFLOP/s %matmul     GB/s   %copy  phase     dir        kernel');
  const rows = [...k.rows].sort((a, b) => b.ms.median - a.ms.median).slice(0, topKernels);
  for (const x of rows) {
    const range = `${ms(x.ms.median)} (${ms(x.ms.min)}-${ms(x.ms.max)})`;
    out.push(`${range.padEnd(29)}${pad(f(x.gflops), 8)}${pad(pct(x.ofMatmul), 8)}${pad(f(x.gbps), 9)}${pad(pct(x.ofCopy), 8)}  ${x.phase.padEnd(9)} ${x.direction.padEnd(10)} ${x.name}`);
  }
  return out;
}
