// The Fréchet distance between two Gaussians, in f64, with its own symmetric eigensolver
// (cyclic Jacobi): no dependency, and exact enough for 128 x 128 covariances.
//   FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))
// S1 S2 is not symmetric, but tr((S1 S2)^(1/2)) = tr((A S2 A)^(1/2)) with A = S1^(1/2), and
// A S2 A is symmetric positive semi-definite: two symmetric eigendecompositions suffice.
// Eigenvalues that rounding leaves slightly negative are taken as 0.

export interface Eigen {
  /** Eigenvalues, in the order of the columns of `vectors`. */
  values: Float64Array;
  /** Row-major n x n; column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
  sweeps: number;
}

/**
 * Eigendecomposition of a symmetric n x n matrix (row-major; only symmetric input is
 * meaningful) by cyclic Jacobi rotations: each rotation zeroes one off-diagonal pair, and
 * sweeps repeat until the off-diagonal mass is below 1e-15 of the matrix's norm.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): Eigen {
  if (matrix.length !== n * n) throw new RangeError(`symmetricEigen: ${matrix.length} values for a ${n}x${n} matrix`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm2 = 0;
  for (let i = 0; i < n * n; i++) norm2 += a[i] * a[i];
  let sweeps = 0;
  for (; sweeps < 100; sweeps++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * a[p * n + q] * a[p * n + q];
    if (!(off > 1e-30 * norm2)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation angle that zeroes a[p][q], taking the smaller root for stability.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v, sweeps };
}

/** The symmetric square root V diag(sqrt(max(lambda, 0))) V^T of a symmetric PSD matrix. */
export function sqrtPsd(matrix: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors: v } = symmetricEigen(matrix, n);
  const r = values.map((x) => Math.sqrt(Math.max(x, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += v[i * n + k] * r[k] * v[j * n + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** C = A B for row-major n x n matrices. */
function matmul(a: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

/** tr((S1 S2)^(1/2)) for symmetric PSD S1, S2, through the symmetric A S2 A (A = S1^(1/2)). */
export function traceSqrtProduct(s1: ArrayLike<number>, s2: ArrayLike<number>, n: number): number {
  const a = sqrtPsd(s1, n);
  const m = matmul(matmul(a, s2, n), a, n);
  // Symmetrise: the two products round differently above and below the diagonal.
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] = (m[i * n + j] + m[j * n + i]) / 2;
  const { values } = symmetricEigen(m, n);
  let t = 0;
  for (const x of values) t += Math.sqrt(Math.max(x, 0));
  return t;
}

export interface Gaussian {
  mean: ArrayLike<number>;
  /** Row-major d x d. */
  covariance: ArrayLike<number>;
}

export function frechetDistance(p: Gaussian, q: Gaussian): number {
  const d = p.mean.length;
  if (q.mean.length !== d || p.covariance.length !== d * d || q.covariance.length !== d * d) {
    throw new RangeError(`frechetDistance: dimensions ${p.mean.length}/${p.covariance.length} and ${q.mean.length}/${q.covariance.length} do not match`);
  }
  let dist = 0, tr = 0;
  for (let i = 0; i < d; i++) {
    const diff = p.mean[i] - q.mean[i];
    dist += diff * diff;
    tr += p.covariance[i * d + i] + q.covariance[i * d + i];
  }
  // Rounding can leave a distance of identical Gaussians a hair below 0.
  return Math.max(0, dist + tr - 2 * traceSqrtProduct(p.covariance, q.covariance, d));
}

/** Mean and unbiased covariance of n rows of d values (row-major), two-pass in f64. */
export function featureStats(rows: ArrayLike<number>, n: number, d: number): { count: number; mean: Float64Array; covariance: Float64Array } {
  if (rows.length !== n * d || n < 2) throw new RangeError(`featureStats: ${rows.length} values for ${n} rows of ${d} (at least 2 rows)`);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] += rows[r * d + i];
  for (let i = 0; i < d; i++) mean[i] /= n;
  const cov = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) x[i] = rows[r * d + i] - mean[i];
    for (let i = 0; i < d; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      for (let j = 0; j <= i; j++) cov[i * d + j] += xi * x[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const c = cov[i * d + j] / (n - 1);
      cov[i * d + j] = c;
      cov[j * d + i] = c;
    }
  }
  return { count: n, mean, covariance: cov };
}

/** Shannon entropy in bits of a histogram of counts (0 log 0 = 0). */
export function entropyBits(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log2(c / total);
  return h;
}
