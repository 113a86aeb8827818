// The kernel profiler's table: each phase's share of the iteration, and the 25 costliest
// kernels with ms, share, GFLOP/s and memory throughput. Throughput is printed with three
// significant digits in the unit that suits it (a fixed two decimals of GB/s showed 0.00 for
// most kernels on a CPU adapter).

import { $, row } from './dom';
import type { ProfileRow } from './protocol';

/** Colours that keep white text above 4.5:1 (WCAG AA). */
const PHASE_COLOURS: Record<string, string> = { inputs: '#4a5568', d_real: '#2b6cb0', d_fake: '#9c4221', gan: '#276749' };

/** bytes per ms as GB/s, MB/s or kB/s with three significant digits. */
export function throughput(bytes: number, ms: number): string {
  if (!(ms > 0)) return '–';
  const perS = (bytes / ms) * 1000;
  if (perS >= 1e9) return `${(perS / 1e9).toPrecision(3)} GB/s`;
  if (perS >= 1e6) return `${(perS / 1e6).toPrecision(3)} MB/s`;
  return `${(perS / 1e3).toPrecision(3)} kB/s`;
}

function gflops(flops: number, ms: number): string {
  if (!(ms > 0)) return '–';
  const g = flops / ms / 1e6;
  return g >= 100 ? g.toFixed(0) : g.toPrecision(3);
}

export function showProfile(rows: ProfileRow[] | null, note: string): void {
  $('profile-note').textContent = note;
  $('profile-note').hidden = false;
  const phases = $('profile-phases'), table = $<HTMLTableElement>('profile-table');
  if (rows === null) {
    phases.replaceChildren();
    table.replaceChildren();
    return;
  }
  const total = rows.reduce((a, r) => a + r.ms, 0) || 1;
  const byPhase = new Map<string, number>();
  for (const r of rows) byPhase.set(r.phase, (byPhase.get(r.phase) ?? 0) + r.ms);
  phases.replaceChildren(...[...byPhase].map(([p, ms]) => {
    const d = document.createElement('div');
    d.style.width = `${(100 * ms) / total}%`;
    d.style.background = PHASE_COLOURS[p] ?? '#444';
    d.textContent = `${p} ${((100 * ms) / total).toFixed(0)}%`;
    d.title = `${p}: ${ms.toFixed(3)} ms`;
    return d;
  }));
  phases.setAttribute('aria-label', `share of the iteration by phase: ${[...byPhase].map(([p, ms]) => `${p} ${((100 * ms) / total).toFixed(0)}%`).join(', ')}`);
  const num = [false, false, true, true, true, true];
  const head = row(['kernel', 'phase', 'ms', 'share', 'GFLOP/s', 'memory', ''], num, true);
  const body = [...rows].sort((a, b) => b.ms - a.ms).slice(0, 25).map((r) => {
    const share = r.ms / total;
    const tr = row([r.kernel, r.phase, r.ms.toFixed(3), `${(100 * share).toFixed(1)}%`, gflops(r.flops, r.ms), throughput(r.bytes, r.ms), ''], num);
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.round(200 * share)}px`;
    tr.lastElementChild!.append(bar);
    return tr;
  });
  const sum = row([`${rows.length} kernels in all`, '', total.toFixed(3), '100%', '', '', ''], num);
  table.replaceChildren(head, ...body, sum);
}
