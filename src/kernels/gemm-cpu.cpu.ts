// CPU twins of the cpu family's own entry points (gemm-cpu.ts): the packed operands of
// pack-cpu.wgsl and the tap sums of taps-cpu.wgsl, written from the GEMM each one feeds (see
// conv2d-cpu.ts), not from the WGSL. The GEMM itself is checked through the convolutions'
// twins (conv2d.cpu.ts), whose results it must reproduce.

import type { Activation } from './activation';
import { activate } from './activation.cpu';
import type { Conv2DGeometry } from './conv-geometry';
import type { Floats } from './floats';
import type { PackSpec } from './gemm-cpu';

/**
 * The operand pack-cpu.wgsl writes: `count` matrices of `rows` x 4*w4 floats, element (z, r, j)
 * at (z * rows + r) * 4 * w4 + j; zeros outside the data.
 */
export function packOperand(spec: PackSpec, src: Floats, rows: number, w4: number, count: number): Float64Array {
  const out = new Float64Array(count * rows * 4 * w4);
  const { g, M, J } = spec, kz = spec.kz ?? 0, Kt = spec.Kt ?? J;
  for (let z = 0; z < count; z++) {
    for (let r = 0; r < Math.min(rows, M); r++) {
      for (let j = 0; j < Math.min(4 * w4, J); j++) {
        if (z * kz + j >= Kt) continue;
        const v = element(spec, g, src, z, r, j);
        out[(z * rows + r) * 4 * w4 + j] = v;
      }
    }
  }
  return out;
}

/** x[n, ih, iw, c] of an NHWC image of g's input size, zero outside. */
function image(g: Conv2DGeometry, src: Floats, n: number, ih: number, iw: number, c: number): number {
  if (ih < 0 || iw < 0 || ih >= g.H || iw >= g.W) return 0;
  return src[((n * g.H + ih) * g.W + iw) * g.C + c];
}

/** The input element output pixel o = (n, oh, ow) reads through tap t = (kh, kw, c). */
function window(g: Conv2DGeometry, src: Floats, o: number, t: number): number {
  const ow = o % g.OW, oh = Math.floor(o / g.OW) % g.OH, n = Math.floor(o / (g.OW * g.OH));
  const c = t % g.C, kw = Math.floor(t / g.C) % g.KW, kh = Math.floor(t / (g.C * g.KW));
  return image(g, src, n, oh * g.strideH + kh - g.padTop, ow * g.strideW + kw - g.padLeft, c);
}

/** A parity class (ph, pw) of a strided transposed convolution: its first pixel and size. */
function parityClass(g: Conv2DGeometry, z: number) {
  const ph = Math.floor(z / g.strideW), pw = z % g.strideW;
  const ih0 = (ph + g.strideH - (g.padTop % g.strideH)) % g.strideH;
  const iw0 = (pw + g.strideW - (g.padLeft % g.strideW)) % g.strideW;
  const Hc = ih0 < g.H ? Math.ceil((g.H - ih0) / g.strideH) : 0;
  const Wc = iw0 < g.W ? Math.ceil((g.W - iw0) / g.strideW) : 0;
  return { ph, pw, ih0, iw0, Hc, Wc, TJW: Math.ceil(g.KW / g.strideW) };
}

function element(spec: PackSpec, g: Conv2DGeometry, src: Floats, z: number, r: number, j: number): number {
  switch (spec.mode) {
    case 'im2col': return window(g, src, r, j);
    case 'im2col_t': return window(g, src, z * (spec.kz ?? 0) + j, r);
    case 'class_rows': {
      // Input pixel r of class z reads dy through tap (jh, jw) = j / F: kh = ph + jh * sH.
      const k = parityClass(g, z);
      if (r >= g.N * k.Hc * k.Wc) return 0;
      const f = j % g.F, t = Math.floor(j / g.F);
      const kh = k.ph + Math.floor(t / k.TJW) * g.strideH, kw = k.pw + (t % k.TJW) * g.strideW;
      if (kh >= g.KH || kw >= g.KW) return 0;
      const n = Math.floor(r / (k.Hc * k.Wc)), ih = k.ih0 + (Math.floor(r / k.Wc) % k.Hc) * g.strideH, iw = k.iw0 + (r % k.Wc) * g.strideW;
      const dh = ih + g.padTop - kh, dw = iw + g.padLeft - kw;
      if (dh < 0 || dw < 0 || dh / g.strideH >= g.OH || dw / g.strideW >= g.OW) return 0;
      return src[((n * g.OH + dh / g.strideH) * g.OW + dw / g.strideW) * g.F + f];
    }
    case 'class_w': {
      const k = parityClass(g, z);
      const f = r % g.F, t = Math.floor(r / g.F);
      const kh = k.ph + Math.floor(t / k.TJW) * g.strideH, kw = k.pw + (t % k.TJW) * g.strideW;
      if (kh >= g.KH || kw >= g.KW) return 0;
      return src[((kh * g.KW + kw) * g.C + j) * g.F + f];
    }
    case 'matrix': {
      const s = spec.strides!, k = z * (spec.kz ?? 0) + j, kd = s.kd ?? 2 ** 31;
      return src[(s.base ?? 0) + r * s.rs + Math.floor(k / kd) * (s.cs1 ?? 0) + (k % kd) * s.cs0];
    }
    case 'col': {
      // Input pixel r and tap (kh, kw, f): dy at the output pixel that reads r through that tap.
      const f = j % g.F, t = Math.floor(j / g.F), kh = Math.floor(t / g.KW), kw = t % g.KW;
      const iw = r % g.W, ih = Math.floor(r / g.W) % g.H, n = Math.floor(r / (g.W * g.H));
      const dh = ih + g.padTop - kh, dw = iw + g.padLeft - kw;
      if (dh < 0 || dw < 0 || dh % g.strideH !== 0 || dw % g.strideW !== 0 || dh / g.strideH >= g.OH || dw / g.strideW >= g.OW) return 0;
      return src[((n * g.OH + dh / g.strideH) * g.OW + dw / g.strideW) * g.F + f];
    }
  }
}

/**
 * taps-cpu.wgsl:gather_taps: y[n,oh,ow,f] = act(b[f] + sum over taps inside the image of
 * t[(n, oh*sH+kh-padT, ow*sW+kw-padL), (kh*KW+kw)*F + f]), t [N*H*W, ld].
 */
export function gatherTaps(g: Conv2DGeometry, t: Floats, ld: number, b: Floats | null, y: Floats, activation: 'linear' | Activation): void {
  for (let o = 0; o < g.N * g.OH * g.OW; o++) {
    const ow = o % g.OW, oh = Math.floor(o / g.OW) % g.OH, n = Math.floor(o / (g.OW * g.OH));
    for (let f = 0; f < g.F; f++) {
      let s = b === null ? 0 : b[f];
      for (let kh = 0; kh < g.KH; kh++) {
        for (let kw = 0; kw < g.KW; kw++) {
          const ih = oh * g.strideH + kh - g.padTop, iw = ow * g.strideW + kw - g.padLeft;
          if (ih < 0 || iw < 0 || ih >= g.H || iw >= g.W) continue;
          s += t[((n * g.H + ih) * g.W + iw) * ld + (kh * g.KW + kw) * g.F + f];
        }
      }
      y[o * g.F + f] = activation === 'linear' ? s : activate(activation, s);
    }
  }
}

/**
 * taps-cpu.wgsl:scatter_taps: dx[n,ih,iw,c] = (b[c] +) sum over the output pixels (oh, ow) that
 * read it through tap (kh, kw) of t[(n, oh, ow), (kh*KW+kw)*C + c], t [N*OH*OW, ld].
 */
export function scatterTaps(g: Conv2DGeometry, t: Floats, ld: number, b: Floats | null, dx: Floats): void {
  dx.fill(0);
  for (let o = 0; o < g.N * g.OH * g.OW; o++) {
    const ow = o % g.OW, oh = Math.floor(o / g.OW) % g.OH, n = Math.floor(o / (g.OW * g.OH));
    for (let kh = 0; kh < g.KH; kh++) {
      for (let kw = 0; kw < g.KW; kw++) {
        const ih = oh * g.strideH + kh - g.padTop, iw = ow * g.strideW + kw - g.padLeft;
        if (ih < 0 || iw < 0 || ih >= g.H || iw >= g.W) continue;
        for (let c = 0; c < g.C; c++) dx[((n * g.H + ih) * g.W + iw) * g.C + c] += t[o * ld + (kh * g.KW + kw) * g.C + c];
      }
    }
  }
  if (b !== null) for (let i = 0; i < dx.length; i++) dx[i] += b[i % g.C];
}
