// CPU twins of conv2d.ts, written from the math: plain loops over NHWC tensors and Keras
// kernel layouts, in whatever precision the arrays hold.

import type { Activation } from './activation';
import { activate } from './activation.cpu';
import type { Conv2DGeometry } from './conv-geometry';
import type { Floats } from './floats';

/** y[n,oh,ow,f] = act(b[f] + sum_{kh,kw,c} x[n, oh*sH+kh-padTop, ow*sW+kw-padLeft, c] * w[kh,kw,c,f]). */
export function conv2dForward(g: Conv2DGeometry, x: Floats, w: Floats, b: Floats | null, y: Floats, activation: 'linear' | Activation = 'linear'): void {
  const { N, H, W, C, KH, KW, F, OH, OW } = g;
  const acc = new Float64Array(F);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let f = 0; f < F; f++) acc[f] = b === null ? 0 : b[f];
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * g.strideH + kh - g.padTop;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * g.strideW + kw - g.padLeft;
            if (iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              const xv = x[((n * H + ih) * W + iw) * C + c];
              const wBase = ((kh * KW + kw) * C + c) * F;
              for (let f = 0; f < F; f++) acc[f] += xv * w[wBase + f];
            }
          }
        }
        const yBase = ((n * OH + oh) * OW + ow) * F;
        for (let f = 0; f < F; f++) y[yBase + f] = activation === 'linear' ? acc[f] : activate(activation, acc[f]);
      }
    }
  }
}

/** dx = d<dy, conv(x)>/dx: every output pixel sends dy * w back to the input pixels it read. */
export function conv2dBackwardInput(g: Conv2DGeometry, dy: Floats, w: Floats, dx: Floats): void {
  const { N, H, W, C, KH, KW, F, OH, OW } = g;
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyBase = ((n * OH + oh) * OW + ow) * F;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * g.strideH + kh - g.padTop;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * g.strideW + kw - g.padLeft;
            if (iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              const wBase = ((kh * KW + kw) * C + c) * F;
              let s = 0;
              for (let f = 0; f < F; f++) s += dy[dyBase + f] * w[wBase + f];
              dx[((n * H + ih) * W + iw) * C + c] += s;
            }
          }
        }
      }
    }
  }
}

/** dw[kh,kw,c,f] = sum_{n,oh,ow} x[n, oh*sH+kh-padTop, ow*sW+kw-padLeft, c] * dy[n,oh,ow,f]. */
export function conv2dBackwardFilter(g: Conv2DGeometry, x: Floats, dy: Floats, dw: Floats): void {
  const { N, H, W, C, KH, KW, F, OH, OW } = g;
  dw.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyBase = ((n * OH + oh) * OW + ow) * F;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * g.strideH + kh - g.padTop;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * g.strideW + kw - g.padLeft;
            if (iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              const xv = x[((n * H + ih) * W + iw) * C + c];
              const wBase = ((kh * KW + kw) * C + c) * F;
              for (let f = 0; f < F; f++) dw[wBase + f] += xv * dy[dyBase + f];
            }
          }
        }
      }
    }
  }
}

// Conv2DTranspose is the adjoint of the Conv2D that `g` (from conv2dTransposeGeometry)
// describes: x [N,OH,OW,F] -> y [N,H,W,C], kernel [KH,KW,C,F] = Keras' [KH,KW,Cout,Cin].

/** y = convT(x) + b[Cout]: the adjoint conv's input gradient, plus the bias. */
export function conv2dTransposeForward(g: Conv2DGeometry, x: Floats, w: Floats, b: Floats | null, y: Floats): void {
  conv2dBackwardInput(g, x, w, y);
  if (b !== null) for (let i = 0; i < y.length; i++) y[i] += b[i % g.C];
}

/** dx = conv(dy): the adjoint of the adjoint, with no bias and no activation. */
export function conv2dTransposeBackwardInput(g: Conv2DGeometry, dy: Floats, w: Floats, dx: Floats): void {
  conv2dForward(g, dy, w, null, dx);
}

/** dw of <dy, convT(x)> = <conv(dy), x>: the conv's filter gradient with x and dy exchanged. */
export function conv2dTransposeBackwardFilter(g: Conv2DGeometry, x: Floats, dy: Floats, dw: Floats): void {
  conv2dBackwardFilter(g, dy, x, dw);
}
