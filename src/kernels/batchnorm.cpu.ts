// CPU twins of batchnorm.ts, written from the math. x is [M, C] row-major with C the last
// dimension; C is read off the per-channel arrays (length C), M = x.length / C. The batch
// statistics are one array stats of length 2C: the mean at [c], 1/sqrt(var + eps) at [C + c].

import { activate, activationGradFromOutput } from './activation.cpu';
import { BN_EPSILON, BN_MOMENTUM, type BatchNormActivation, type BatchNormOptions } from './batchnorm';
import { ShapeError } from './errors';
import type { Floats } from './floats';

function rowsOf(op: string, x: Floats, perChannel: Record<string, Floats>, perElement: Record<string, Floats> = {}): number {
  const C = Object.values(perChannel)[0].length;
  if (C < 1 || x.length < 1 || x.length % C !== 0) throw new ShapeError(`${op}: x holds ${x.length} values, not a positive multiple of C = ${C}`);
  for (const [what, a] of Object.entries(perChannel)) {
    if (a.length !== C) throw new ShapeError(`${op}: ${what} holds ${a.length} values, expected C = ${C}`);
  }
  for (const [what, a] of Object.entries(perElement)) {
    if (a.length !== x.length) throw new ShapeError(`${op}: ${what} holds ${a.length} values, expected ${x.length} like x`);
  }
  return x.length / C;
}

function checkStats(op: string, stats: Floats, C: number): void {
  if (stats.length !== 2 * C) throw new ShapeError(`${op}: stats holds ${stats.length} values, expected 2C = ${2 * C} (mean and invStd, C = ${C})`);
}

function act(activation: BatchNormActivation, z: number): number {
  return activation === 'linear' ? z : activate(activation, z);
}

function actGrad(activation: BatchNormActivation, y: number): number {
  return activation === 'linear' ? 1 : activationGradFromOutput(activation, y);
}

export function batchNormStats(x: Floats, stats: Floats, movingMean: Floats, movingVar: Floats, opts: BatchNormOptions): void {
  const op = 'batchNormStats';
  const M = rowsOf(op, x, { movingMean, movingVar });
  const C = movingMean.length;
  checkStats(op, stats, C);
  if (opts.unbiasedMovingVariance && M < 2) throw new ShapeError(`${op}: M = 1 has no unbiased variance (M/(M-1) divides by zero)`);
  const eps = opts.epsilon ?? BN_EPSILON, momentum = opts.momentum ?? BN_MOMENTUM;
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let m = 0; m < M; m++) sum += x[m * C + c];
    const mu = sum / M;
    let sq = 0;
    for (let m = 0; m < M; m++) sq += (x[m * C + c] - mu) ** 2;
    const variance = sq / M;
    stats[c] = mu;
    stats[C + c] = 1 / Math.sqrt(variance + eps);
    const movingVariance = opts.unbiasedMovingVariance ? (sq / (M - 1)) : variance;
    movingMean[c] = movingMean[c] * momentum + mu * (1 - momentum);
    movingVar[c] = movingVar[c] * momentum + movingVariance * (1 - momentum);
  }
}

export function batchNormApply(x: Floats, stats: Floats, gamma: Floats, beta: Floats, y: Floats, activation: BatchNormActivation = 'linear'): void {
  const op = `batchNormApply(${activation})`;
  rowsOf(op, x, { gamma, beta }, { y });
  const C = gamma.length;
  checkStats(op, stats, C);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    y[i] = act(activation, gamma[c] * (x[i] - stats[c]) * stats[C + c] + beta[c]);
  }
}

export function batchNormInference(x: Floats, movingMean: Floats, movingVar: Floats, gamma: Floats, beta: Floats, y: Floats, activation: BatchNormActivation = 'linear', epsilon = BN_EPSILON): void {
  rowsOf(`batchNormInference(${activation})`, x, { movingMean, movingVar, gamma, beta }, { y });
  const C = movingMean.length;
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    y[i] = act(activation, (gamma[c] * (x[i] - movingMean[c])) / Math.sqrt(movingVar[c] + epsilon) + beta[c]);
  }
}

/** y is the layer's activated output; for 'linear' it is not read. */
export function batchNormBackwardReduce(x: Floats, y: Floats, dy: Floats, stats: Floats, dgamma: Floats, dbeta: Floats, activation: BatchNormActivation = 'linear'): void {
  const op = `batchNormBackwardReduce(${activation})`;
  const M = rowsOf(op, x, { dgamma, dbeta }, { y, dy });
  const C = dgamma.length;
  checkStats(op, stats, C);
  for (let c = 0; c < C; c++) {
    let sg = 0, sgx = 0;
    for (let m = 0; m < M; m++) {
      const i = m * C + c;
      const g = dy[i] * actGrad(activation, y[i]);
      sg += g;
      sgx += g * (x[i] - stats[c]) * stats[C + c];
    }
    dbeta[c] = sg;
    dgamma[c] = sgx;
  }
}

export function batchNormBackwardInput(x: Floats, y: Floats, dy: Floats, stats: Floats, gamma: Floats, dgamma: Floats, dbeta: Floats, dx: Floats, activation: BatchNormActivation = 'linear'): void {
  const op = `batchNormBackwardInput(${activation})`;
  const M = rowsOf(op, x, { gamma, dgamma, dbeta }, { y, dy, dx });
  const C = gamma.length;
  checkStats(op, stats, C);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    const g = dy[i] * actGrad(activation, y[i]);
    const invStd = stats[C + c];
    const xhat = (x[i] - stats[c]) * invStd;
    dx[i] = ((gamma[c] * invStd) / M) * (M * g - dbeta[c] - xhat * dgamma[c]);
  }
}
