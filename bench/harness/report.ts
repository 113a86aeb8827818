// The printed tables, and --compare. Pure functions over BenchResult, shared by both entries.

import type { BenchResult, KernelRow } from './types';

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
  const c = r.correctness;
  const worst = c.checks.reduce((a, x) => Math.max(a, x.relToScale), 0);
  out.push(`correctness: ${c.checks.filter((x) => x.pass).length}/${c.checks.length} checks pass against the CPU twins, worst error ${worst.toExponential(1)} of the output's scale${c.unchecked.length ? `; unchecked: ${c.unchecked.join(', ')}` : ''}`);
  if (r.ceilings) {
    const m = r.ceilings;
    const best = m.matmul.reduce((a, x) => (x.gflops > a.gflops ? x : a));
    out.push(`ceilings: matmul ${f(m.gflops)} GFLOP/s (${best.variant}, ${best.M}^3, ${ms(best.ms.median)} ms [${ms(best.ms.min)}-${ms(best.ms.max)}]); copy ${f(m.gbps)} GB/s read+write (${(m.copy.bytes / 2 ** 20).toFixed(0)} MiB, ${ms(m.copy.ms.median)} ms)`);
  }
  const k = r.kernels;
  if (k) {
    out.push('');
    out.push(`per kernel at batch ${k.batch}: ${k.rows.length} kernels (${k.rows.reduce((a, x) => a + (x.dispatches ?? 1), 0)} dispatches), sum ${ms(k.totalMs)} ms; ${k.clock}${k.dispatchesPerSample ? ` (${k.dispatchesPerSample} dispatches per submit, includes submit overhead)` : ''}; median of ${k.repeat} after ${k.warmup} warm-up`);
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
  }
  if (r.endToEnd) {
    out.push('');
    out.push(`end to end (Lsgan.trainStep; ${r.endToEnd.imagesDefinition})`);
    out.push(' batch  ms/iter (min-max of iterations)   images/s   18,740 iterations   kernels/dispatches  submits  new buffers  GPU MiB');
    for (const x of r.endToEnd.runs) {
      const range = `${ms(x.msPerIteration)} (${ms(x.intervalMs.min)}-${ms(x.intervalMs.max)})`;
      out.push(`${pad(String(x.batch), 6)}  ${range.padEnd(33)}${pad(f(x.imagesPerSecond, 1), 9)}${pad(duration(x.tutorialIterationsSeconds), 20)}${pad(`${x.kernelsPerIteration ?? '-'}/${x.dispatchesPerIteration}`, 21)}${pad(f(x.submitsPerIteration, 2), 9)}${pad(String(x.buffersCreatedWhileTimed), 13)}${pad(f(x.gpuMemoryBytes / 2 ** 20, 1), 9)}`);
    }
  }
  out.push('');
  if (r.peer.ran) {
    out.push(`peer: TF.js ${r.peer.tfjsVersion} webgpu backend on ${r.peer.adapterName}`);
    out.push(' batch  peer ms/iter (min-max)      ours ms/iter   ours/peer   speed-up');
    for (const p of r.peer.runs) {
      const ratio = r.ratios.find((x) => x.batch === p.batch);
      out.push(`${pad(String(p.batch), 6)}  ${`${ms(p.ms.median)} (${ms(p.ms.min)}-${ms(p.ms.max)})`.padEnd(28)}${pad(ratio ? ms(ratio.oursMs) : '-', 12)}${pad(ratio ? f(ratio.oursOverPeer, 3) : '-', 12)}${pad(ratio ? `${f(ratio.speedup, 2)}x` : '-', 11)}`);
    }
  } else {
    out.push(`peer: not run (${r.peer.reason})`);
  }
  out.push(`(run took ${duration(r.seconds)})`);
  return out;
}

export interface Ratio {
  key: string;
  a: number;
  b: number;
  /** b / a: below 1 means B is faster. */
  ratio: number;
}

export interface Comparison {
  adapters: [string, string];
  kernels: Ratio[];
  entries: Ratio[];
  phases: Ratio[];
  kernelTotal: Ratio | null;
  endToEnd: Ratio[];
  peer: Ratio[];
  onlyInA: string[];
  onlyInB: string[];
  /** The per-kernel batches of A and B (kernel names carry shapes, so rows match only at equal batches). */
  kernelBatches: [number | null, number | null];
}

const ratio = (key: string, a: number, b: number): Ratio => ({ key, a, b, ratio: b / a });

/** B against A: kernels matched by phase + name (+ occurrence), entry points by name and direction, end to end by batch. */
export function compareResults(a: BenchResult, b: BenchResult): Comparison {
  const byKey = (rows: readonly KernelRow[] | undefined) => new Map((rows ?? []).map((r) => [r.key, r]));
  const ka = byKey(a.kernels?.rows), kb = byKey(b.kernels?.rows);
  const kernels = [...ka].filter(([key]) => kb.has(key)).map(([key, r]) => ratio(key, r.ms.median, kb.get(key)!.ms.median));
  const ea = new Map((a.kernels?.entries ?? []).map((e) => [`${e.entry} ${e.direction}`, e.ms]));
  const eb = new Map((b.kernels?.entries ?? []).map((e) => [`${e.entry} ${e.direction}`, e.ms]));
  const entries = [...ea].filter(([key]) => eb.has(key)).map(([key, v]) => ratio(key, v, eb.get(key)!));
  const pa = new Map((a.kernels?.phases ?? []).map((p) => [p.phase, p.ms]));
  const pb = new Map((b.kernels?.phases ?? []).map((p) => [p.phase, p.ms]));
  const phases = [...pa].filter(([key]) => pb.has(key)).map(([key, v]) => ratio(key, v, pb.get(key)!));
  const kernelTotal = a.kernels && b.kernels ? ratio(`sum of kernels (batch ${a.kernels.batch} vs ${b.kernels.batch})`, a.kernels.totalMs, b.kernels.totalMs) : null;
  const endToEnd = (a.endToEnd?.runs ?? []).flatMap((x) => {
    const y = b.endToEnd?.runs.find((r) => r.batch === x.batch);
    return y ? [ratio(`batch ${x.batch}`, x.msPerIteration, y.msPerIteration)] : [];
  });
  const peer = a.peer.runs.flatMap((x) => {
    const y = b.peer.runs.find((r) => r.batch === x.batch);
    return y ? [ratio(`peer batch ${x.batch}`, x.ms.median, y.ms.median)] : [];
  });
  return {
    adapters: [a.environment.adapter.name, b.environment.adapter.name],
    kernels, entries, phases, kernelTotal, endToEnd, peer,
    kernelBatches: [a.kernels?.batch ?? null, b.kernels?.batch ?? null],
    onlyInA: [...ka.keys()].filter((k) => !kb.has(k)),
    onlyInB: [...kb.keys()].filter((k) => !ka.has(k)),
  };
}

export function formatCompare(c: Comparison, nameA: string, nameB: string): string[] {
  const line = (r: Ratio) => `${pad(ms(r.a), 12)}${pad(ms(r.b), 12)}${pad(f(r.ratio, 3), 9)}${pad(`${f(1 / r.ratio, 2)}x`, 9)}  ${r.key}`;
  const head = '        A ms        B ms      B/A  speed-up';
  const out = [`A: ${nameA} (${c.adapters[0]})`, `B: ${nameB} (${c.adapters[1]})`, ''];
  const [ba, bb] = c.kernelBatches;
  if (ba !== bb) out.push(`note: per-kernel batches differ (${ba} vs ${bb}); kernel names carry shapes, so only phases and entry points match`, '');
  out.push('end to end, ms per iteration', head, ...c.endToEnd.map(line));
  if (c.peer.length) out.push('', 'peer, ms per iteration', head, ...c.peer.map(line));
  if (c.kernelTotal) out.push('', 'per kernel, by phase', head, ...c.phases.map(line), line(c.kernelTotal));
  out.push('', 'by entry point', head, ...[...c.entries].sort((x, y) => y.a - x.a).map(line));
  out.push('', `per kernel (${c.kernels.length} matched by phase and name)`, head, ...[...c.kernels].sort((x, y) => y.a - x.a).map(line));
  if (c.onlyInA.length) out.push('', `only in A (${c.onlyInA.length}):`, ...c.onlyInA.map((k) => `  ${k}`));
  if (c.onlyInB.length) out.push('', `only in B (${c.onlyInB.length}):`, ...c.onlyInB.map((k) => `  ${k}`));
  return out;
}
