// Keras Dense as a 1x1 convolution on a 1x1 image: the kernel [I, O] is exactly Keras'
// Dense layout and the same memory as a Conv2D kernel [1, 1, I, O], and x [N, I] the same
// memory as [N, 1, 1, I], so the conv2d kernels serve Dense unchanged. CPU twins: dense.cpu.ts.

import type { Activation } from './activation';
import { conv2dGeometry, type Conv2DGeometry } from './conv-geometry';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from './conv2d';
import { ShapeError, shapeString } from './errors';
import { Tensor, type Gpu } from './gpu';
import { expectShape, type Kernel } from './kernel';

function expectMatrix(op: string, what: string, t: Tensor): void {
  if (t.shape.length !== 2) throw new ShapeError(`${op}: ${what} (${t.label}) has shape ${shapeString(t.shape)}, expected a matrix [rows, cols]`);
}

/** The 1x1 conv geometry for x [N, I] and w [I, O], after checking both are matrices that chain. */
function denseGeometry(op: string, x: Tensor, w: Tensor, xName: string, wName: string): Conv2DGeometry {
  expectMatrix(op, xName, x);
  expectMatrix(op, wName, w);
  const [N, I] = x.shape, [WI, O] = w.shape;
  if (WI !== I) throw new ShapeError(`${op}: ${wName} (${w.label}) has shape ${shapeString(w.shape)}, expected [${I}, units] for ${xName} ${shapeString(x.shape)}`);
  return conv2dGeometry(op, [N, 1, 1, I], [1, 1, I, O], 1, 'valid');
}

const image = (t: Tensor, g: Conv2DGeometry, channels: number) => new Tensor(t.buffer, [g.N, 1, 1, channels], t.label);
const kernel = (w: Tensor, g: Conv2DGeometry) => new Tensor(w.buffer, [1, 1, g.C, g.F], w.label);

/** y [N, O] = act(x [N, I] . w [I, O] + b [O]); overwrites y. */
export function denseForward(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor | null, y: Tensor, activation: 'linear' | Activation = 'linear'): Promise<Kernel> {
  const op = 'denseForward';
  const g = denseGeometry(op, x, w, 'x', 'w');
  if (b !== null) expectShape(op, 'b', b, [g.F]);
  expectShape(op, 'y', y, [g.N, g.F]);
  return conv2dForward(gpu, g, image(x, g, g.C), kernel(w, g), b, image(y, g, g.F), activation);
}

/** dx [N, I] = dy [N, O] . w^T; overwrites dx. */
export function denseBackwardInput(gpu: Gpu, dy: Tensor, w: Tensor, dx: Tensor): Promise<Kernel> {
  const op = 'denseBackwardInput';
  const g = denseGeometry(op, dx, w, 'dx', 'w');
  expectShape(op, 'dy', dy, [g.N, g.F]);
  return conv2dBackwardInput(gpu, g, image(dy, g, g.F), kernel(w, g), image(dx, g, g.C));
}

/** dw [I, O] = x^T . dy; overwrites dw. */
export function denseBackwardFilter(gpu: Gpu, x: Tensor, dy: Tensor, dw: Tensor): Promise<Kernel> {
  const op = 'denseBackwardFilter';
  const g = denseGeometry(op, x, dw, 'x', 'dw');
  expectShape(op, 'dy', dy, [g.N, g.F]);
  return conv2dBackwardFilter(gpu, g, image(x, g, g.C), image(dy, g, g.F), kernel(dw, g));
}
