// Proof of a CPU backward twin: the analytic gradient of L = sum(out * dOut), with a random
// dOut, against central differences of L in f64. Large inputs are probed at a random
// subset of indices (always including the first and last) to keep the test fast.

import { compare, type Comparison } from './compare';
import { FD } from './tolerances';
import type { Rng } from './random';

export interface GradCheck {
  label: string;
  /** Inputs, perturbed in place. */
  inputs: Record<string, Float64Array>;
  /** Recomputes the output from the current inputs. */
  forward: () => Float64Array;
  dOut: Float64Array;
  /** Analytic dL/dinput for each input name. */
  analytic: Record<string, Float64Array>;
  rng: Rng;
  h?: number;
  maxProbes?: number;
  tolerance?: { scale?: number; atol?: number };
}

export function checkGradients(c: GradCheck): Record<string, Comparison> {
  const h = c.h ?? 1e-6, maxProbes = c.maxProbes ?? 64;
  const loss = () => {
    const out = c.forward();
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i] * c.dOut[i];
    return s;
  };
  const results: Record<string, Comparison> = {};
  for (const [name, x] of Object.entries(c.inputs)) {
    const grad = c.analytic[name];
    if (grad === undefined || grad.length !== x.length) throw new Error(`${c.label}: no analytic gradient of length ${x.length} for ${name}`);
    const probes = new Set<number>([0, x.length - 1]);
    if (x.length <= maxProbes) for (let i = 0; i < x.length; i++) probes.add(i);
    while (probes.size < Math.min(maxProbes, x.length)) probes.add(Math.floor(c.rng() * x.length));
    const idx = [...probes].sort((a, b) => a - b);
    const numeric = new Float64Array(idx.length), analytic = new Float64Array(idx.length);
    idx.forEach((i, k) => {
      const keep = x[i];
      x[i] = keep + h; const lp = loss();
      x[i] = keep - h; const lm = loss();
      x[i] = keep;
      numeric[k] = (lp - lm) / (2 * h);
      analytic[k] = grad[i];
    });
    results[name] = compare(`${c.label} d${name} vs finite differences`, analytic, numeric, c.tolerance ?? FD);
  }
  return results;
}
