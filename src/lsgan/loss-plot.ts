// plot_line_plot_loss.png: the three loss histories as lines with the tutorial's legend
// (dloss1, dloss2, gloss), drawn by Vega-Lite as SVG. Shared by the CLI and the browser.

import type { TopLevelSpec } from 'vega-lite';
import type { Losses } from './lsgan';

/** At most this many points per series: long runs are thinned by taking every k-th step. */
const MAX_POINTS = 4000;

export function lossPlotSpec(history: readonly Losses[], title = 'LSGAN losses'): TopLevelSpec {
  const every = Math.max(1, Math.ceil(history.length / MAX_POINTS));
  const values: Array<{ step: number; series: string; loss: number }> = [];
  for (let i = 0; i < history.length; i += every) {
    const l = history[i];
    values.push({ step: l.step, series: 'dloss1', loss: l.d1 }, { step: l.step, series: 'dloss2', loss: l.d2 }, { step: l.step, series: 'gloss', loss: l.g });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 720,
    height: 360,
    background: 'white',
    data: { values },
    mark: { type: 'line', strokeWidth: 1 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'iteration', axis: { format: 'd' } },
      y: { field: 'loss', type: 'quantitative', title: 'loss (MSE)' },
      color: { field: 'series', type: 'nominal', title: null, sort: ['dloss1', 'dloss2', 'gloss'], scale: { range: ['#1f77b4', '#ff7f0e', '#2ca02c'] } },
    },
  };
}

export async function lossPlotSvg(history: readonly Losses[], title?: string): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const spec = vl.compile(lossPlotSpec(history, title)).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
