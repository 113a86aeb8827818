// CPU twins of activation.ts, written from the math.

import type { Activation } from './activation';
import { LEAKY_ALPHA } from './activation';

import type { Floats } from './floats';

export function activate(act: Activation, x: number, alpha = LEAKY_ALPHA): number {
  if (act === 'relu') return x > 0 ? x : 0;
  if (act === 'leaky_relu') return x > 0 ? x : alpha * x;
  return Math.tanh(x);
}

/** d act / dx expressed through y = act(x); at x == 0 the left derivative, as TensorFlow. */
export function activationGradFromOutput(act: Activation, y: number, alpha = LEAKY_ALPHA): number {
  if (act === 'relu') return y > 0 ? 1 : 0;
  if (act === 'leaky_relu') return y > 0 ? 1 : alpha;
  return 1 - y * y;
}

export function activationForward(act: Activation, x: Floats, y: Floats, alpha = LEAKY_ALPHA): void {
  for (let i = 0; i < x.length; i++) y[i] = activate(act, x[i], alpha);
}

export function activationBackward(act: Activation, y: Floats, dy: Floats, dx: Floats, alpha = LEAKY_ALPHA): void {
  for (let i = 0; i < y.length; i++) dx[i] = dy[i] * activationGradFromOutput(act, y[i], alpha);
}
