// The live loss chart (uPlot): dloss1, dloss2 and gloss against the iteration. GAN losses
// spike; a log scale and an exponential moving average keep one spike from flattening the
// rest. The raw values are always kept, so both toggles can be undone. Each line has its own
// colour and dash (colour alone fails for colour-blind readers), and the chart's text
// alternative says the latest values (a canvas has no text of its own).

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Losses } from '../src/lsgan/lsgan';

const SERIES = [
  { label: 'dloss1 (D on real)', stroke: '#2b6cb0', dash: [] as number[], marker: 'solid', key: 'd1' },
  { label: 'dloss2 (D on fake)', stroke: '#b7410e', dash: [8, 4], marker: 'dashed', key: 'd2' },
  { label: 'gloss (composite)', stroke: '#2f7d4f', dash: [2, 3], marker: 'dotted', key: 'g' },
] as const;

/** Losses below this are drawn at it on the log scale (an MSE can reach 0 exactly). */
const FLOOR = 1e-6;

export class LossChart {
  private plot: uPlot | null = null;
  private readonly steps: number[] = [];
  private readonly raw: number[][] = [[], [], []];
  private dirty = false;

  constructor(private readonly el: HTMLElement, private smooth = true, private log = true) {
    this.build();
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(el);
  }

  private size() {
    return { width: Math.max(200, this.el.clientWidth), height: this.el.clientWidth < 420 ? 220 : 260 };
  }

  private build(): void {
    this.plot?.destroy();
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: { x: { time: false }, y: this.log ? { distr: 3 } : { distr: 1 } },
        // The legend names the lines (with their colour and dash); the values are in the stats.
        legend: { live: false, markers: { width: 3, dash: (_u, i) => (i === 0 ? 'solid' : SERIES[i - 1].marker) } },
        axes: [{ label: 'iteration' }, { label: 'loss (MSE)' }],
        series: [{ label: 'iteration' }, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, dash: [...s.dash], width: s.dash.length > 0 ? 2 : 1.5 }))],
      },
      this.data(),
      this.el,
    );
  }

  /** Replaces everything; the plot is rebuilt so its axes forget the previous run's ranges. */
  set(history: readonly Losses[]): void {
    this.steps.length = 0;
    for (const r of this.raw) r.length = 0;
    for (const l of history) this.push(l);
    this.build();
    this.describe();
  }

  private push(l: Losses): void {
    this.steps.push(l.step);
    SERIES.forEach((s, i) => this.raw[i].push(l[s.key]));
  }

  /** The text alternative: what the lines show, and their latest (smoothed) values. */
  private describe(): void {
    const n = this.steps.length;
    if (n === 0) {
      this.el.setAttribute('aria-label', 'Loss chart: no iterations yet');
      return;
    }
    const last = this.data().slice(1).map((ys) => (ys[n - 1] as number).toPrecision(3));
    this.el.setAttribute('aria-label', `Loss chart over iterations 1 to ${this.steps[n - 1].toLocaleString('en-US')}${this.smooth ? ', smoothed' : ''}: ${SERIES.map((s, i) => `${s.label} ${last[i]}`).join(', ')}`);
  }

  add(losses: readonly Losses[]): void {
    for (const l of losses) this.push(l);
    if (!this.dirty) {
      this.dirty = true;
      requestAnimationFrame(() => {
        this.dirty = false;
        this.plot?.setData(this.data());
        this.describe();
      });
    }
  }

  setSmooth(on: boolean): void {
    this.smooth = on;
    this.plot?.setData(this.data());
  }

  setLog(on: boolean): void {
    this.log = on;
    this.build();
  }

  private data(): uPlot.AlignedData {
    const ys = this.raw.map((r) => {
      const v = this.smooth ? ema(r, 0.9) : r;
      return this.log ? v.map((x) => Math.max(FLOOR, x)) : [...v];
    });
    return [this.steps.slice(), ...ys];
  }
}

/** TensorBoard's smoothing: an exponential moving average, debiased at the start. */
export function ema(xs: readonly number[], weight: number): number[] {
  const out: number[] = [];
  let acc = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = Number.isFinite(xs[i]) ? xs[i] : acc;
    acc = weight * acc + (1 - weight) * x;
    out.push(acc / (1 - weight ** (i + 1)));
  }
  return out;
}
