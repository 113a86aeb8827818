// The live loss chart (uPlot): dloss1, dloss2 and gloss against the iteration. GAN losses
// spike; a log scale and an exponential moving average keep one spike from flattening the
// rest. The raw values are always kept, so both toggles can be undone.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Losses } from '../src/lsgan/lsgan';

const SERIES = [
  { label: 'dloss1 (D on real)', stroke: '#2b6cb0', key: 'd1' },
  { label: 'dloss2 (D on fake)', stroke: '#c05621', key: 'd2' },
  { label: 'gloss (composite)', stroke: '#2f855a', key: 'g' },
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
    return { width: Math.max(300, this.el.clientWidth), height: 280 };
  }

  private build(): void {
    this.plot?.destroy();
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: { x: { time: false }, y: this.log ? { distr: 3 } : { distr: 1 } },
        axes: [{ label: 'iteration' }, { label: 'loss (MSE)' }],
        series: [{ label: 'iteration' }, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5 }))],
      },
      this.data(),
      this.el,
    );
  }

  set(history: readonly Losses[]): void {
    this.steps.length = 0;
    for (const r of this.raw) r.length = 0;
    this.add(history);
  }

  add(losses: readonly Losses[]): void {
    for (const l of losses) {
      this.steps.push(l.step);
      SERIES.forEach((s, i) => this.raw[i].push(l[s.key]));
    }
    if (!this.dirty) {
      this.dirty = true;
      requestAnimationFrame(() => {
        this.dirty = false;
        this.plot?.setData(this.data());
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
