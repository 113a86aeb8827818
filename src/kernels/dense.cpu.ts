// CPU twins of dense.ts: Keras Dense, kernel [I, O], written as a matrix product.
// The flat arrays carry no shapes; x [N,I], w [I,O] and y [N,O] fix them, since
// |x| * |y| / |w| = N^2.

import type { Activation } from './activation';
import { activate } from './activation.cpu';
import type { Floats } from './floats';

function dims(op: string, xLen: number, wLen: number, yLen: number): { N: number; I: number; O: number } {
  const N = Math.round(Math.sqrt((xLen * yLen) / wLen));
  const I = xLen / N, O = yLen / N;
  if (!(N > 0) || !Number.isInteger(I) || !Number.isInteger(O) || I * O !== wLen) {
    throw new Error(`${op}: lengths x=${xLen}, w=${wLen}, y=${yLen} are not [N,I], [I,O], [N,O]`);
  }
  return { N, I, O };
}

/** y[n,o] = act(b[o] + sum_i x[n,i] * w[i,o]). */
export function denseForward(x: Floats, w: Floats, b: Floats | null, y: Floats, activation: 'linear' | Activation = 'linear'): void {
  const { N, I, O } = dims('denseForward', x.length, w.length, y.length);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      let s = b === null ? 0 : b[o];
      for (let i = 0; i < I; i++) s += x[n * I + i] * w[i * O + o];
      y[n * O + o] = activation === 'linear' ? s : activate(activation, s);
    }
  }
}

/** dx[n,i] = sum_o dy[n,o] * w[i,o]. */
export function denseBackwardInput(dy: Floats, w: Floats, dx: Floats): void {
  const { N, I, O } = dims('denseBackwardInput', dx.length, w.length, dy.length);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dy[n * O + o] * w[i * O + o];
      dx[n * I + i] = s;
    }
  }
}

/** dw[i,o] = sum_n x[n,i] * dy[n,o]. */
export function denseBackwardFilter(x: Floats, dy: Floats, dw: Floats): void {
  const { N, I, O } = dims('denseBackwardFilter', x.length, dw.length, dy.length);
  for (let i = 0; i < I; i++) {
    for (let o = 0; o < O; o++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += x[n * I + i] * dy[n * O + o];
      dw[i * O + o] = s;
    }
  }
}
