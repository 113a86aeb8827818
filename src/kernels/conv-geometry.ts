// Keras padding math in one place, and the geometry of a convolution: every launcher and
// CPU twin of conv2d.ts, dense.ts and the layers reads its sizes from a Conv2DGeometry.

import { ShapeError, shapeString } from './errors';

export type Padding = 'same' | 'valid';

/** One spatial axis: output size and the zero padding before and after the input. */
export interface PadSpec {
  out: number;
  before: number;
  after: number;
}

function positiveInt(v: number): boolean {
  return Number.isInteger(v) && v > 0;
}

/** Keras/TensorFlow 'same': out = ceil(in / s); an odd total pads one more after than before. */
export function samePadding(inSize: number, k: number, stride: number): PadSpec {
  if (!positiveInt(inSize) || !positiveInt(k) || !positiveInt(stride)) {
    throw new ShapeError(`samePadding: in=${inSize}, k=${k}, stride=${stride} must be positive integers`);
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** Keras 'valid': no padding, only windows that fit; the input must hold at least one window. */
export function validPadding(inSize: number, k: number, stride: number): PadSpec {
  if (!positiveInt(inSize) || !positiveInt(k) || !positiveInt(stride)) {
    throw new ShapeError(`validPadding: in=${inSize}, k=${k}, stride=${stride} must be positive integers`);
  }
  if (inSize < k) throw new ShapeError(`validPadding: kernel ${k} is larger than the input ${inSize}`);
  return { out: Math.floor((inSize - k) / stride) + 1, before: 0, after: 0 };
}

/** A convolution from x [N,H,W,C] with kernel [KH,KW,C,F] to y [N,OH,OW,F]. */
export interface Conv2DGeometry {
  N: number;
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  F: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  OH: number;
  OW: number;
}

function stridePair(op: string, strides: number | readonly [number, number], what: string): [number, number] {
  const s: [number, number] = typeof strides === 'number' ? [strides, strides] : [strides[0], strides[1]];
  if (!positiveInt(s[0]) || !positiveInt(s[1]) || (typeof strides !== 'number' && strides.length !== 2)) {
    throw new ShapeError(`${op}: strides ${JSON.stringify(strides)} must be one or two positive integers (${what})`);
  }
  return s;
}

function check4d(op: string, name: string, shape: readonly number[], what: string): void {
  if (shape.length !== 4 || !shape.every(positiveInt)) {
    throw new ShapeError(`${op}: ${name} shape ${shapeString(shape)} must be 4-D with positive integer sizes (${what})`);
  }
}

function pad(op: string, padding: Padding, inSize: number, k: number, s: number, what: string): PadSpec {
  if (padding === 'same') return samePadding(inSize, k, s);
  if (padding === 'valid') {
    if (inSize < k) throw new ShapeError(`${op}: kernel ${k} is larger than the input ${inSize} with 'valid' padding (${what})`);
    return validPadding(inSize, k, s);
  }
  throw new ShapeError(`${op}: unsupported padding '${padding as string}' (expected 'same' or 'valid') (${what})`);
}

export function conv2dGeometry(
  op: string,
  xShape: readonly number[],
  kernelShape: readonly number[],
  strides: number | readonly [number, number],
  padding: Padding,
): Conv2DGeometry {
  const what = `x ${shapeString(xShape)}, kernel ${shapeString(kernelShape)}`;
  check4d(op, 'x', xShape, what);
  check4d(op, 'kernel', kernelShape, what);
  const [N, H, W, C] = xShape;
  const [KH, KW, KC, F] = kernelShape;
  if (KC !== C) throw new ShapeError(`${op}: kernel expects ${KC} input channels, x has ${C} (${what})`);
  const [strideH, strideW] = stridePair(op, strides, what);
  const ph = pad(op, padding, H, KH, strideH, what);
  const pw = pad(op, padding, W, KW, strideW, what);
  return {
    N, H, W, C, KH, KW, F, strideH, strideW,
    padTop: ph.before, padBottom: ph.after, padLeft: pw.before, padRight: pw.after,
    OH: ph.out, OW: pw.out,
  };
}

/**
 * Keras Conv2DTranspose, x [N,h,w,Cin] with kernel [KH,KW,Cout,Cin], described as the ADJOINT
 * Conv2D from the transpose's output [N,H_T,W_T,Cout] to [N,h,w,Cin] (so C = Cout, F = Cin,
 * OH = h). 'same': H_T = h*s. 'valid': H_T = h*s + max(k - s, 0), Keras' deconv_output_length,
 * which is (h-1)*s + k whenever k >= s. In both cases a Keras Conv2D over H_T gives back h.
 */
export function conv2dTransposeGeometry(
  op: string,
  xShape: readonly number[],
  kernelShape: readonly number[],
  strides: number | readonly [number, number],
  padding: Padding,
): Conv2DGeometry {
  const what = `x ${shapeString(xShape)}, kernel ${shapeString(kernelShape)}`;
  check4d(op, 'x', xShape, what);
  check4d(op, 'kernel', kernelShape, what);
  const [N, h, w, Cin] = xShape;
  const [KH, KW, Cout, KCin] = kernelShape;
  if (KCin !== Cin) throw new ShapeError(`${op}: kernel expects ${KCin} input channels, x has ${Cin} (${what})`);
  const [sH, sW] = stridePair(op, strides, what);
  if (padding !== 'same' && padding !== 'valid') {
    throw new ShapeError(`${op}: unsupported padding '${padding as string}' (expected 'same' or 'valid') (${what})`);
  }
  const outLen = (n: number, k: number, s: number) => (padding === 'same' ? n * s : n * s + Math.max(k - s, 0));
  const g = conv2dGeometry(op, [N, outLen(h, KH, sH), outLen(w, KW, sW), Cout], [KH, KW, Cout, Cin], [sH, sW], padding);
  if (g.OH !== h || g.OW !== w) {
    // Cannot happen for the formulas above; kept so a change to them fails loudly.
    throw new ShapeError(`${op}: adjoint convolution maps ${g.H}x${g.W} to ${g.OH}x${g.OW}, not ${h}x${w} (${what})`);
  }
  return g;
}
