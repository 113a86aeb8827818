// Correctness checks for the convolutions (Conv2D, Conv2DTranspose, Dense and the bias
// gradients) against their CPU twins, in whichever kernel family the device prepares.

import { conv2dGeometry, conv2dTransposeGeometry } from '../../src/kernels/conv-geometry';
import * as conv from '../../src/kernels/conv2d';
import * as convCpu from '../../src/kernels/conv2d.cpu';
import * as dense from '../../src/kernels/dense';
import * as denseCpu from '../../src/kernels/dense.cpu';
import * as reduce from '../../src/kernels/reduce';
import * as reduceCpu from '../../src/kernels/reduce.cpu';
import { f64, rng, size, type Checker } from './check-util';

export async function checkConv(c: Checker): Promise<void> {
  const r = rng(1);
  // Stride 2 on an odd size: Keras' asymmetric 'same' padding and all four parity classes.
  const xs = [2, 9, 9, 3], ks = [4, 4, 3, 8];
  const g = conv2dGeometry('bench conv', xs, ks, 2, 'same');
  const ys = [g.N, g.OH, g.OW, g.F];
  const xv = r.normal(size(xs)), wv = r.normal(size(ks), 0.2), bv = r.normal(g.F), dyv = r.normal(size(ys));
  const x = c.t(xs, xv), w = c.t(ks, wv), b = c.t([g.F], bv), dy = c.t(ys, dyv);
  const y = c.out(ys), dx = c.out(xs), dw = c.out(ks), db = c.out([g.F]);
  const [kf, kbi, kbf, kcs] = await c.run([
    await conv.conv2dForward(c.gpu, g, x, w, b, y, 'leaky_relu'),
    await conv.conv2dBackwardInput(c.gpu, g, dy, w, dx),
    await conv.conv2dBackwardFilter(c.gpu, g, x, dy, dw),
    await reduce.channelSum(c.gpu, dy, db),
  ]);
  const yW = f64(size(ys)), dxW = f64(size(xs)), dwW = f64(size(ks)), dbW = f64(g.F);
  convCpu.conv2dForward(g, xv, wv, bv, yW, 'leaky_relu');
  convCpu.conv2dBackwardInput(g, dyv, wv, dxW);
  convCpu.conv2dBackwardFilter(g, xv, dyv, dwW);
  reduceCpu.channelSum(dyv, dbW);
  await c.expect(kf, 'conv2d forward +bias +leaky_relu', y, yW);
  await c.expect(kbi, 'conv2d input gradient', dx, dxW);
  await c.expect(kbf, 'conv2d filter gradient', dw, dwW);
  await c.expect(kcs, 'bias gradient', db, dbW);

  // The tall variant (one output channel), as the generator's last 7x7 conv with tanh.
  const xs2 = [2, 8, 8, 5], ks2 = [7, 7, 5, 1];
  const g2 = conv2dGeometry('bench conv tall', xs2, ks2, 1, 'same');
  const ys2 = [g2.N, g2.OH, g2.OW, 1];
  const xv2 = r.normal(size(xs2)), wv2 = r.normal(size(ks2), 0.1), bv2 = r.normal(1), dyv2 = r.normal(size(ys2));
  const x2 = c.t(xs2, xv2), w2 = c.t(ks2, wv2), b2 = c.t([1], bv2), dy2 = c.t(ys2, dyv2);
  const y2 = c.out(ys2), dx2 = c.out(xs2), dw2 = c.out(ks2), db2 = c.out([1]);
  const [kt, kti, ktf, kcs2] = await c.run([
    await conv.conv2dForward(c.gpu, g2, x2, w2, b2, y2, 'tanh'),
    await conv.conv2dBackwardInput(c.gpu, g2, dy2, w2, dx2),
    await conv.conv2dBackwardFilter(c.gpu, g2, x2, dy2, dw2),
    await reduce.channelSum(c.gpu, dy2, db2),
  ]);
  const y2W = f64(size(ys2)), dx2W = f64(size(xs2)), dw2W = f64(size(ks2));
  convCpu.conv2dForward(g2, xv2, wv2, bv2, y2W, 'tanh');
  convCpu.conv2dBackwardInput(g2, dyv2, wv2, dx2W);
  convCpu.conv2dBackwardFilter(g2, xv2, dyv2, dw2W);
  await c.expect(kt, 'conv2d 7x7 -> 1 channel +tanh', y2, y2W);
  await c.expect(kti, 'conv2d 7x7 -> 1 channel input gradient', dx2, dx2W);
  await c.expect(ktf, 'conv2d 7x7 -> 1 channel filter gradient', dw2, dw2W);
  const db2W = f64(1);
  reduceCpu.channelSum(dyv2, db2W);
  await c.expect(kcs2, 'bias gradient, one channel', db2, db2W);

  // Channels a multiple of 32: the cpu family reads A in place (forward, the parity classes of
  // the input gradient, the filter gradient with k over pixels); the gpu family as above.
  const xs5 = [2, 7, 6, 32], ks5 = [3, 3, 32, 12];
  const g5 = conv2dGeometry('bench conv wide', xs5, ks5, 2, 'same');
  const ys5 = [g5.N, g5.OH, g5.OW, g5.F];
  const xv5 = r.normal(size(xs5)), wv5 = r.normal(size(ks5), 0.1), bv5 = r.normal(g5.F), dyv5 = r.normal(size(ys5));
  const x5 = c.t(xs5, xv5), w5 = c.t(ks5, wv5), b5 = c.t([g5.F], bv5), dy5 = c.t(ys5, dyv5);
  const y5 = c.out(ys5), dx5 = c.out(xs5), dw5 = c.out(ks5);
  const [kw, kwi, kwf] = await c.run([
    await conv.conv2dForward(c.gpu, g5, x5, w5, b5, y5, 'relu'),
    await conv.conv2dBackwardInput(c.gpu, g5, dy5, w5, dx5),
    await conv.conv2dBackwardFilter(c.gpu, g5, x5, dy5, dw5),
  ]);
  const y5W = f64(size(ys5)), dx5W = f64(size(xs5)), dw5W = f64(size(ks5));
  convCpu.conv2dForward(g5, xv5, wv5, bv5, y5W, 'relu');
  convCpu.conv2dBackwardInput(g5, dyv5, wv5, dx5W);
  convCpu.conv2dBackwardFilter(g5, xv5, dyv5, dw5W);
  await c.expect(kw, 'conv2d 32 channels +bias +relu', y5, y5W);
  await c.expect(kwi, 'conv2d 32 channels input gradient', dx5, dx5W);
  await c.expect(kwf, 'conv2d 32 channels filter gradient', dw5, dw5W);

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

