// plot_scores.png: a run's scores during training (src/cli/train-scoring.ts): the Fréchet
// distance to the test digits (log scale, lower is better) and the class entropy in bits, one
// point per score, drawn by Vega-Lite as SVG like the loss plot. The floor (real training digits
// score about 3.8 at N = 1,000) is drawn as a rule so the curve reads against it.

import type { TopLevelSpec } from 'vega-lite';
import type { ScoreRow } from './run-scores';

/** The Fréchet distance of 1,000 real training digits, seed 1 (`lsgan score --baseline train-digits`). */
export const REAL_DIGITS_FD_1000 = 3.82;

export function scorePlotSpec(rows: readonly ScoreRow[], floor: number | null, title = 'Scores during training'): TopLevelSpec {
  const values = rows.map((r) => ({ step: r.step, fd: r.fd, entropy: r.entropy }));
  const x = { field: 'step', type: 'quantitative', title: 'iteration', axis: { format: 'd' } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    background: 'white',
    vconcat: [
      {
        width: 720,
        height: 240,
        layer: [
          {
            data: { values },
            mark: { type: 'line', point: true, strokeWidth: 1.5, color: '#1f77b4' },
            encoding: { x, y: { field: 'fd', type: 'quantitative', title: 'Fréchet distance (log)', scale: { type: 'log' } } },
          },
          ...(floor === null ? [] : [{
            data: { values: [{ floor, label: `real digits: ${floor.toFixed(1)}` }] },
            mark: { type: 'rule' as const, strokeDash: [4, 4], color: '#666' },
            encoding: { y: { field: 'floor', type: 'quantitative' as const } },
          }]),
        ],
      },
      {
        width: 720,
        height: 120,
        data: { values },
        mark: { type: 'line', point: true, strokeWidth: 1.5, color: '#2ca02c' },
        encoding: { x, y: { field: 'entropy', type: 'quantitative', title: 'class entropy (bits)', scale: { domain: [0, Math.log2(10)] } } },
      },
    ],
  };
}

export async function scorePlotSvg(rows: readonly ScoreRow[], floor: number | null, title?: string): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const spec = vl.compile(scorePlotSpec(rows, floor, title)).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
