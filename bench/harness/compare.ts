// --compare A.json B.json: B against A. Either file may be schema 1 (read as schema 2 by
// upgrade.ts: its one family was 'gpu', its one peer TF.js). Kernels match by family + phase +
// name (+ occurrence, for identical kernels in one phase), entry points by family + name +
// direction, end to end by family + batch, peers by peer + batch.

import type { BenchResult, KernelSection } from './types';

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pad = (s: string, n: number) => s.padStart(n);
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4));

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
  /** Sum of the kernels, per family in both files. */
  kernelTotal: Ratio[];
  endToEnd: Ratio[];
  peer: Ratio[];
  onlyInA: string[];
  onlyInB: string[];
  /** Per family in both files: the per-kernel batches of A and B (kernel names carry shapes, so rows match only at equal batches). */
  kernelBatches: Array<{ family: string; a: number; b: number }>;
}

const ratio = (key: string, a: number, b: number): Ratio => ({ key, a, b, ratio: b / a });

function matched(a: Map<string, number>, b: Map<string, number>): Ratio[] {
  return [...a].filter(([key]) => b.has(key)).map(([key, v]) => ratio(key, v, b.get(key)!));
}

function maps(sections: readonly KernelSection[]) {
  const kernels = new Map<string, number>(), entries = new Map<string, number>(), phases = new Map<string, number>();
  for (const s of sections) {
    for (const r of s.rows) kernels.set(`${s.family}: ${r.key}`, r.ms.median);
    for (const e of s.entries) entries.set(`${s.family}: ${e.entry} ${e.direction}`, e.ms);
    for (const p of s.phases) phases.set(`${s.family}: ${p.phase}`, p.ms);
  }
  return { kernels, entries, phases };
}

export function compareResults(a: BenchResult, b: BenchResult): Comparison {
  const ma = maps(a.kernels), mb = maps(b.kernels);
  const kernelTotal: Ratio[] = [], kernelBatches: Comparison['kernelBatches'] = [];
  for (const x of a.kernels) {
    const y = b.kernels.find((s) => s.family === x.family);
    if (!y) continue;
    kernelTotal.push(ratio(`${x.family}: sum of kernels (batch ${x.batch} vs ${y.batch})`, x.totalMs, y.totalMs));
    kernelBatches.push({ family: x.family, a: x.batch, b: y.batch });
  }
  const e2e = (r: BenchResult) => new Map((r.endToEnd?.runs ?? []).map((x) => [`${x.family} batch ${x.batch}`, x.msPerIteration]));
  const peers = (r: BenchResult) => new Map(r.peers.flatMap((p) => p.runs.map((x) => [`${p.id} batch ${x.batch}`, x.ms.median] as const)));
  return {
    adapters: [a.environment.adapter.name, b.environment.adapter.name],
    kernels: matched(ma.kernels, mb.kernels),
    entries: matched(ma.entries, mb.entries),
    phases: matched(ma.phases, mb.phases),
    kernelTotal,
    endToEnd: matched(e2e(a), e2e(b)),
    peer: matched(peers(a), peers(b)),
    kernelBatches,
    onlyInA: [...ma.kernels.keys()].filter((k) => !mb.kernels.has(k)),
    onlyInB: [...mb.kernels.keys()].filter((k) => !ma.kernels.has(k)),
  };
}

export function formatCompare(c: Comparison, nameA: string, nameB: string): string[] {
  const line = (r: Ratio) => `${pad(ms(r.a), 12)}${pad(ms(r.b), 12)}${pad(f(r.ratio, 3), 9)}${pad(`${f(1 / r.ratio, 2)}x`, 9)}  ${r.key}`;
  const head = '        A ms        B ms      B/A  speed-up';
  const out = [`A: ${nameA} (${c.adapters[0]})`, `B: ${nameB} (${c.adapters[1]})`, ''];
  for (const k of c.kernelBatches) {
    if (k.a !== k.b) out.push(`note: ${k.family} per-kernel batches differ (${k.a} vs ${k.b}); kernel names carry shapes, so only phases and entry points match`, '');
  }
  out.push('end to end, ms per iteration', head, ...c.endToEnd.map(line));
  if (c.peer.length) out.push('', 'peers, ms per iteration', head, ...c.peer.map(line));
  if (c.kernelTotal.length) out.push('', 'per kernel, by phase', head, ...c.phases.map(line), ...c.kernelTotal.map(line));
  out.push('', 'by entry point', head, ...[...c.entries].sort((x, y) => y.a - x.a).map(line));
  out.push('', `per kernel (${c.kernels.length} matched by family, phase and name)`, head, ...[...c.kernels].sort((x, y) => y.a - x.a).map(line));
  if (c.onlyInA.length) out.push('', `only in A (${c.onlyInA.length}):`, ...c.onlyInA.map((k) => `  ${k}`));
  if (c.onlyInB.length) out.push('', `only in B (${c.onlyInB.length}):`, ...c.onlyInB.map((k) => `  ${k}`));
  return out;
}
