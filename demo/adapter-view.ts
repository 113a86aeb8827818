// The adapter panel: its name and class, the kernel family, and (folded away: they matter to
// few visitors) its features and limits.

import { $, row } from './dom';
import type { AdapterReport } from './protocol';

export function showAdapter(a: AdapterReport): void {
  $('adapter-name').textContent = `${a.name}${a.isCpu ? ': a CPU implementation of WebGPU, so seconds per iteration at the tutorial\'s batch; the defaults below are set for it' : ''}`;
  $('adapter-kernels').textContent = `${a.kernels.replace(/^kernels: /, 'kernel family: ')} (?kernels=gpu|cpu forces one)`;
  const rows: Array<[string, string]> = [
    ['vendor / architecture', `${a.vendor || '–'} / ${a.architecture || '–'}`],
    ['timestamp queries', a.hasTimestamps ? 'yes (kernel profiler available)' : 'no'],
    ['features', a.features.join(', ') || 'none'],
    ...Object.entries(a.limits).map(([k, v]): [string, string] => [k, v.toLocaleString('en-US')]),
  ];
  $('adapter-limits').replaceChildren(...rows.map(([k, v]) => row([k, v])));
}
