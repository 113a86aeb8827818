// The one comparison used by every numeric test. An element passes when
//   |got - want| <= atol + rtol * |want| + scale * max|want|
// written as !(diff <= tol) so NaN and Inf fail. It prints max abs and relative error
// and where, pass or fail, so a test log shows how close every check came.

import { expect } from 'vitest';

export interface Tolerance {
  atol?: number;
  rtol?: number;
  /** Error allowed relative to the largest |want| (the output's scale). */
  scale?: number;
}

export interface Comparison {
  maxAbs: number;
  maxAbsAt: number;
  /** max |got - want| / max |want|: error relative to the output's scale. */
  relToScale: number;
  worstAt: number;
  failures: number;
}

export function compareArrays(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): Comparison {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) if (Math.abs(want[i]) > scale) scale = Math.abs(want[i]);
  const atol = tol.atol ?? 0, rtol = tol.rtol ?? 0, stol = (tol.scale ?? 0) * scale;
  let maxAbs = 0, maxAbsAt = -1, failures = 0, worstAt = -1, worstExcess = -Infinity;
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    const allowed = atol + rtol * Math.abs(want[i]) + stol;
    if (!(diff <= allowed)) {
      failures++;
      const excess = Number.isFinite(diff) ? diff - allowed : Infinity;
      if (excess > worstExcess) { worstExcess = excess; worstAt = i; }
    }
    if (!(diff <= maxAbs)) { maxAbs = Number.isNaN(diff) ? NaN : diff; maxAbsAt = i; if (Number.isNaN(diff)) maxAbs = Infinity; }
  }
  return { maxAbs, maxAbsAt, relToScale: scale > 0 ? maxAbs / scale : maxAbs, worstAt, failures };
}

/** Compares, logs the errors, and fails the test if any element is out of tolerance. */
export function compare(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): Comparison {
  const c = compareArrays(got, want, tol);
  const where = c.maxAbsAt >= 0 ? ` at [${c.maxAbsAt}] got ${got[c.maxAbsAt]} want ${want[c.maxAbsAt]}` : '';
  console.log(`${label}: n=${got.length} max abs err ${c.maxAbs.toExponential(2)}, rel to scale ${c.relToScale.toExponential(2)}${where}`);
  if (c.failures > 0) {
    const i = c.worstAt;
    expect.fail(`${label}: ${c.failures}/${got.length} elements out of tolerance ${JSON.stringify(tol)}; worst at [${i}]: got ${got[i]}, want ${want[i]}`);
  }
  return c;
}
