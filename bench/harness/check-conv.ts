// Correctness checks for the convolutions (Conv2D, Conv2DTranspose, Dense and the bias
// gradients) against their CPU twins, in whichever kernel family the device prepares.

import { conv2dGeometry, conv2dTransposeGeometry } from '../../src/kernels/conv-geometry';
import * as conv from '../../src/kernels/conv2d';
import * as convCpu from '../../src/kernels/conv2d.cpu';
import * as dense from '../../src/kernels/dense';
import * as denseCpu from '../../src/kernels/dense.cpu';
import * as reduce from '../../src/kernels/reduce';
import * as reduceCpu from '../../src/kernels/reduce.cpu';
import type { Activation } from '../../src/kernels/activation';
import { f64, rng, size, type Checker } from './check-util';

/** One Conv2D shape: forward with bias and `activation`, both gradients, and optionally the bias gradient. */
interface ConvCase {
  xs: number[];
  ks: number[];
  stride: number;
  wStd: number;
  activation: Activation;
  /** The checks' names: forward, input gradient, filter gradient. */
  names: [string, string, string];
  /** The bias gradient's check name, when it is checked on this shape. */
  biasGradient?: string;
}

async function checkConvCase(c: Checker, r: ReturnType<typeof rng>, k: ConvCase): Promise<void> {
  const { xs, ks } = k;
  const g = conv2dGeometry(`bench ${k.names[0]}`, xs, ks, k.stride, 'same');
  const ys = [g.N, g.OH, g.OW, g.F];
  const xv = r.normal(size(xs)), wv = r.normal(size(ks), k.wStd), bv = r.normal(g.F), dyv = r.normal(size(ys));
  const x = c.t(xs, xv), w = c.t(ks, wv), b = c.t([g.F], bv), dy = c.t(ys, dyv);
  const y = c.out(ys), dx = c.out(xs), dw = c.out(ks), db = k.biasGradient === undefined ? null : c.out([g.F]);
  const kernels = await c.run([
    await conv.conv2dForward(c.gpu, g, x, w, b, y, k.activation),
    await conv.conv2dBackwardInput(c.gpu, g, dy, w, dx),
    await conv.conv2dBackwardFilter(c.gpu, g, x, dy, dw),
    ...(db === null ? [] : [await reduce.channelSum(c.gpu, dy, db)]),
  ]);
  const yW = f64(size(ys)), dxW = f64(size(xs)), dwW = f64(size(ks)), dbW = f64(g.F);
  convCpu.conv2dForward(g, xv, wv, bv, yW, k.activation);
  convCpu.conv2dBackwardInput(g, dyv, wv, dxW);
  convCpu.conv2dBackwardFilter(g, xv, dyv, dwW);
  await c.expect(kernels[0], k.names[0], y, yW);
  await c.expect(kernels[1], k.names[1], dx, dxW);
  await c.expect(kernels[2], k.names[2], dw, dwW);
  if (db !== null) {
    reduceCpu.channelSum(dyv, dbW);
    await c.expect(kernels[3], k.biasGradient!, db, dbW);
  }
}

export async function checkConv(c: Checker): Promise<void> {
  const r = rng(1);
  // Stride 2 on an odd size: Keras' asymmetric 'same' padding and all four parity classes.
  await checkConvCase(c, r, {
    xs: [2, 9, 9, 3], ks: [4, 4, 3, 8], stride: 2, wStd: 0.2, activation: 'leaky_relu',
    names: ['conv2d forward +bias +leaky_relu', 'conv2d input gradient', 'conv2d filter gradient'], biasGradient: 'bias gradient',
  });
  // The tall variant (one output channel), as the generator's last 7x7 conv with tanh.
  await checkConvCase(c, r, {
    xs: [2, 8, 8, 5], ks: [7, 7, 5, 1], stride: 1, wStd: 0.1, activation: 'tanh',
    names: ['conv2d 7x7 -> 1 channel +tanh', 'conv2d 7x7 -> 1 channel input gradient', 'conv2d 7x7 -> 1 channel filter gradient'],
    biasGradient: 'bias gradient, one channel',
  });
  // Channels a multiple of 32: the cpu family reads A in place (forward, the parity classes of
  // the input gradient, the filter gradient with k over pixels); the gpu family as above.
  await checkConvCase(c, r, {
    xs: [2, 7, 6, 32], ks: [3, 3, 32, 12], stride: 2, wStd: 0.1, activation: 'relu',
    names: ['conv2d 32 channels +bias +relu', 'conv2d 32 channels input gradient', 'conv2d 32 channels filter gradient'],
  });

  // Conv2DTranspose k4 s2 (Keras kernel [KH,KW,Cout,Cin]): forward with bias, both gradients.
  const xs3 = [2, 4, 4, 8], ks3 = [4, 4, 6, 8];
  const g3 = conv2dTransposeGeometry('bench convT', xs3, ks3, 2, 'same');
  const ys3 = [g3.N, g3.H, g3.W, g3.C];
  const xv3 = r.normal(size(xs3)), wv3 = r.normal(size(ks3), 0.2), bv3 = r.normal(g3.C), dyv3 = r.normal(size(ys3));
  const x3 = c.t(xs3, xv3), w3 = c.t(ks3, wv3), b3 = c.t([g3.C], bv3), dy3 = c.t(ys3, dyv3);
  const y3 = c.out(ys3), dx3 = c.out(xs3), dw3 = c.out(ks3);
  const [kT, kTi, kTf] = await c.run([
    await conv.conv2dTransposeForward(c.gpu, g3, x3, w3, b3, y3),
    await conv.conv2dTransposeBackwardInput(c.gpu, g3, dy3, w3, dx3),
    await conv.conv2dTransposeBackwardFilter(c.gpu, g3, x3, dy3, dw3),
  ]);
  const y3W = f64(size(ys3)), dx3W = f64(size(xs3)), dw3W = f64(size(ks3));
  convCpu.conv2dTransposeForward(g3, xv3, wv3, bv3, y3W);
  convCpu.conv2dTransposeBackwardInput(g3, dyv3, wv3, dx3W);
  convCpu.conv2dTransposeBackwardFilter(g3, xv3, dyv3, dw3W);
  await c.expect(kT, 'conv2dTranspose forward +bias', y3, y3W);
  await c.expect(kTi, 'conv2dTranspose input gradient', dx3, dx3W);
  await c.expect(kTf, 'conv2dTranspose filter gradient', dw3, dw3W);
}

export async function checkDense(c: Checker): Promise<void> {
  const r = rng(2);
  const N = 3, I = 37, O = 70;
  const xv = r.normal(N * I), wv = r.normal(I * O, 0.2), bv = r.normal(O), dyv = r.normal(N * O);
  const x = c.t([N, I], xv), w = c.t([I, O], wv), b = c.t([O], bv), dy = c.t([N, O], dyv);
  const y = c.out([N, O]), dx = c.out([N, I]), dw = c.out([I, O]);
  const [kf, kbi, kbf] = await c.run([
    await dense.denseForward(c.gpu, x, w, b, y),
    await dense.denseBackwardInput(c.gpu, dy, w, dx),
    await dense.denseBackwardFilter(c.gpu, x, dy, dw),
  ]);
  const yW = f64(N * O), dxW = f64(N * I), dwW = f64(I * O);
  denseCpu.denseForward(xv, wv, bv, yW);
  denseCpu.denseBackwardInput(dyv, wv, dxW);
  denseCpu.denseBackwardFilter(xv, dyv, dwW);
  await c.expect(kf, 'dense forward +bias', y, yW);
  await c.expect(kbi, 'dense input gradient', dx, dxW);
  await c.expect(kbf, 'dense filter gradient', dw, dwW);
}

