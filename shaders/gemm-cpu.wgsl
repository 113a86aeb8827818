// The cpu-family GEMM (kernels for CPU implementations of WebGPU; the gpu family is conv2d.wgsl):
// out = epilogue(A . B) for the GEMMs of a convolution (conv2d-cpu.ts says which), with B [K, N]
// packed by pack-cpu.wgsl into an rgba32float texture and A either packed into a storage buffer
// or read in place from the image, zero-padded to whole tiles (rows to 8*ROW_GROUPS, columns to
// 32, k to 4), so the inner loop has no bounds checks. This file is the body; the module is one
// of two preludes followed by it (gemm-cpu.ts joins them, the only substitution):
// gemm-cpu-shuffle.wgsl where the adapter's subgroups are exactly this 8-invocation workgroup (a
// lane loads part of the tile's A and shuffles share it) or gemm-cpu-loads.wgsl (every lane loads
// every row itself, packed A only). Each defines SHUFFLE and share4/share1.
//
// Why this shape (shared/LAVAPIPE.md, re-measured here): on lavapipe a workgroup runs on one
// thread as 8 SIMD lanes; a barrier costs ~100 ns and a workgroup-memory read ~50 ns; a storage
// buffer load is 8 scalar loads, a texture load an AVX2 gather (3136x128x1024: 26 against 14
// GFLOP/s). So: no workgroup memory, no barriers, B in a texture, one 8-invocation workgroup
// per register tile, accumulators in named variables (an array indexed in a loop lives in
// memory), four products summed before each accumulator write (each write to a loop-carried
// variable is a masked blend), A from a buffer (one lane in 8 loads each row; ~8% slower than a
// texture, but cheaper to pack, and readable in place). Shapes are a uniform, not override
// constants: a pipeline of this shader takes 2-7 s to compile on a cold Mesa cache, so it is
// compiled per mode, not per shape; the few divisions by them are hoisted out of the loop.
//
// Thread mapping: workgroup (x, y, z) computes rows [R*x, R*x + R) (R = 8*ROW_GROUPS) and
// columns [32y, 32y + 32) of GEMM z (a parity class of a transposed convolution, or a split of
// K). Lane l owns columns 32y + 4l .. +3 (one texel of B) and accumulates every row of the tile:
// acc_r holds row r. k runs as segments x steps of 4: per step 4 texels of B, the lane's share of
// A, then 4 products per accumulator.
//
// A (AMODE, override):
//   0 packed      row r of GEMM z is vec4s (z*a_zrows + r) * a_w4 + k of A          (any shape)
//   1 pixels      rows are pixels, k = (tap, channel): a segment per tap, a step per 4 channels
//                 FORWARD: row (n, oh, ow), tap (kh, kw) reads x[n, oh*sH+kh-padT, ow*sW+kw-padL]
//                 else:    row (n, a, b) of parity class z = (ph, pw), tap (jh, jw) reads
//                          dy[n, a + q0 - jh, b + r0 - jw] (q0 = (ih0 + padT - ph) / sH): the
//                          class's taps kh = ph + jh*sH; channels a multiple of 4
//   2 transposed  rows (tap, c) with R | C, k = output pixels of x (filter gradients): per step
//                 lane l loads channels 4l .. +3 at 4 pixels, and row r is component r % 4 of
//                 lane r / 4
// B: channel j % 4 of texel ((r >> fold) * b_w4 + j / 4, r & ((1 << fold) - 1)) holds (r, j):
// rows past 2^fold continue in the next block of b_w4 columns, so B taller than the texture limit
// fits. GEMM z's rows start at z * b_zrows.
//
// Epilogues (OUT, override):
//   0 dense      out[z*out_zoff + m*ldo + n] = act(acc + bias[n])   (forward, filter gradients,
//                split-K partials, the tap forms' intermediates)
//   1 classes    row m of class z is input pixel (n, ih, iw): out[pixel*nc + col] = acc (+ bias);
//                rows are stored in order, stepping the pixel (begin_store)
//   2 tap-major  m is a channel c < tap_c, n = (tap, f), f < tap_f:
//                out[z*out_zoff + ((n / tap_f)*tap_c + m)*tap_f + n % tap_f] = acc
// ACT (override): 0 linear, 1 ReLU, 2 LeakyReLU(ALPHA), 3 tanh (overflow-safe); dense only.

override ROW_GROUPS: u32 = 4u;
override AMODE: u32 = 0u;
override FORWARD: bool = true;
override OUT: u32 = 0u;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override ALPHA: f32 = 0.2;

// k = segments x steps texels; layouts of A and B; valid rows m and columns nc of each GEMM z;
// the output's row stride and offset per z; and the convolution (x [n,h,w,c], w [kh,kw,c,f],
// dy [n,oh,ow,f]) for the modes that need it.
struct P {
  segments: u32, steps: u32, a_w4: u32, a_zrows: u32,
  b_w4: u32, b_zrows: u32, fold: u32, m: u32,
  nc: u32, ldo: u32, out_zoff: u32, tap_c: u32,
  tap_f: u32, n: u32, h: u32, w: u32,
  c: u32, kh: u32, kw: u32, f: u32,
  sh: u32, sw: u32, pad_t: u32, pad_l: u32,
  oh: u32, ow: u32,
}

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> A: array<vec4f>;
@group(0) @binding(2) var B: texture_storage_2d<rgba32float, read>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

var<private> lane: u32;
var<private> a_base: u32;
// AMODE 1: per group of 8 rows, the lane's row: its image, its window's origin, whether it exists.
var<private> row_img: array<u32, 4>;
var<private> row_y: array<i32, 4>;
var<private> row_x: array<i32, 4>;
var<private> row_ok: array<bool, 4>;
// AMODE 1, per segment: where each group's row reads, and whether it reads anything.
var<private> src_at: array<u32, 4>;
var<private> src_ok: array<bool, 4>;
// AMODE 2: the tile's tap and first channel, and the next output pixel (n, oh, ow) of the k loop.
var<private> t_kh: i32;
var<private> t_kw: i32;
var<private> t_c4: u32;
var<private> c4: u32;
var<private> pix: vec3u;

// Parity class z = (ph, pw) of a strided transposed convolution: its first input pixel
// (ih0, iw0), its size (Hc, Wc) and the offsets (q0, r0) from its pixels to dy's.
struct Class { ph: u32, pw: u32, ih0: u32, iw0: u32, hc: u32, wc: u32, q0: i32, r0: i32 }

fn parity_class(z: u32) -> Class {
  var k: Class;
  k.ph = z / p.sw; k.pw = z % p.sw;
  k.ih0 = (k.ph + p.sh - p.pad_t % p.sh) % p.sh;
  k.iw0 = (k.pw + p.sw - p.pad_l % p.sw) % p.sw;
  k.hc = select(0u, (p.h - k.ih0 + p.sh - 1u) / p.sh, k.ih0 < p.h);
  k.wc = select(0u, (p.w - k.iw0 + p.sw - 1u) / p.sw, k.iw0 < p.w);
  k.q0 = i32((k.ih0 + p.pad_t - k.ph) / p.sh);
  k.r0 = i32((k.iw0 + p.pad_l - k.pw) / p.sw);
  return k;
}

// The parity class of GEMM z, for AMODE 1 backward and OUT 1 (set once per workgroup).
var<private> cls: Class;

// AMODE 1: the tap (row, column) of the current segment, stepped by begin_segment rather than
// divided out of its number (see begin_store), and the taps' row width: KW forward, a class's
// TJW = ceil(KW / sW) taps backward.
var<private> seg_jh: u32;
var<private> seg_jw: u32;
var<private> seg_width: u32;

// AMODE 1, once per workgroup: decompose the lane's row of each group.
fn begin_rows(m0: u32) {
  let k = cls;
  seg_jh = 0u; seg_jw = 0u;
  seg_width = select((p.kw + p.sw - 1u) / p.sw, p.kw, FORWARD);
  for (var g = 0u; g < ROW_GROUPS; g++) {
    let m = m0 + 8u * g + lane;
    if (FORWARD) {
      let ow = m % p.ow; let t = m / p.ow;
      row_img[g] = t / p.oh;
      row_y[g] = i32((t % p.oh) * p.sh) - i32(p.pad_t);
      row_x[g] = i32(ow * p.sw) - i32(p.pad_l);
      row_ok[g] = m < p.m;
    } else {
      let b = m % max(k.wc, 1u); let t = m / max(k.wc, 1u);
      row_img[g] = t / max(k.hc, 1u);
      row_y[g] = i32(t % max(k.hc, 1u)) + k.q0;
      row_x[g] = i32(b) + k.r0;
      row_ok[g] = m < p.n * k.hc * k.wc;
    }
  }
}

// AMODE 1, at the start of each segment (a tap, in order from 0): where each group's row reads.
fn begin_segment() {
  var dy_ = 0; var dx_ = 0; var tap_ok = true;
  let jh = seg_jh; let jw = seg_jw;
  if (FORWARD) {
    dy_ = i32(jh); dx_ = i32(jw);
  } else {
    let k = cls;
    tap_ok = k.ph + jh * p.sh < p.kh && k.pw + jw * p.sw < p.kw;
    dy_ = -i32(jh); dx_ = -i32(jw);
  }
  seg_jw += 1u;
  if (seg_jw == seg_width) { seg_jw = 0u; seg_jh += 1u; }
  let hh = i32(select(p.oh, p.h, FORWARD)); let ww = i32(select(p.ow, p.w, FORWARD));
  for (var g = 0u; g < ROW_GROUPS; g++) {
    let y = row_y[g] + dy_; let x = row_x[g] + dx_;
    let ok = tap_ok && row_ok[g] && y >= 0 && x >= 0 && y < hh && x < ww;
    src_at[g] = select(0u, ((row_img[g] * u32(hh) + u32(y)) * u32(ww) + u32(x)) * p.a_w4, ok);
    src_ok[g] = ok;
  }
}

// AMODE 2: the lane's 4 channels at the next output pixel (zero outside the image or past the
// last pixel), then the pixel after it.
fn next_pixel() -> vec4f {
  let ih = i32(pix.y * p.sh) + t_kh; let iw = i32(pix.z * p.sw) + t_kw;
  let ok = pix.x < p.n && ih >= 0 && iw >= 0 && ih < i32(p.h) && iw < i32(p.w);
  let at = select(0u, ((pix.x * p.h + u32(ih)) * p.w + u32(iw)) * c4 + t_c4 + lane, ok);
  let v = select(vec4f(0.0), A[at], ok);
  pix.z += 1u;
  if (pix.z == p.ow) { pix.z = 0u; pix.y += 1u; }
  if (pix.y == p.oh) { pix.y = 0u; pix.x += 1u; }
  return v;
}

// What a lane contributes per step: AMODE 0/1 its row of each group (4 k), AMODE 2 its 4
// channels at each of the step's 4 pixels.
struct Own { v0: vec4f, v1: vec4f, v2: vec4f, v3: vec4f }

fn own(k: u32, s: u32) -> Own {
  var o: Own;
  if (!SHUFFLE) { return o; }
  if (AMODE == 0u) {
    let r = (a_base + lane) * p.a_w4 + k;
    o.v0 = A[r];
    if (ROW_GROUPS >= 2u) { o.v1 = A[r + 8u * p.a_w4]; }
    if (ROW_GROUPS >= 4u) { o.v2 = A[r + 16u * p.a_w4]; o.v3 = A[r + 24u * p.a_w4]; }
  } else if (AMODE == 1u) {
    o.v0 = select(vec4f(0.0), A[src_at[0] + s], src_ok[0]);
    if (ROW_GROUPS >= 2u) { o.v1 = select(vec4f(0.0), A[src_at[1] + s], src_ok[1]); }
    if (ROW_GROUPS >= 4u) {
      o.v2 = select(vec4f(0.0), A[src_at[2] + s], src_ok[2]);
      o.v3 = select(vec4f(0.0), A[src_at[3] + s], src_ok[3]);
    }
  } else {
    o.v0 = next_pixel(); o.v1 = next_pixel(); o.v2 = next_pixel(); o.v3 = next_pixel();
  }
  return o;
}

// Row 8g + i of the tile at texel k of the step, in every lane.
fn tile_row(o: Own, g: u32, i: u32, k: u32) -> vec4f {
  if (!SHUFFLE) { return A[(a_base + 8u * g + i) * p.a_w4 + k]; }
  if (AMODE == 2u) {
    let r = 8u * g + i;
    return vec4f(share1(o.v0[r % 4u], r / 4u), share1(o.v1[r % 4u], r / 4u), share1(o.v2[r % 4u], r / 4u), share1(o.v3[r % 4u], r / 4u));
  }
  switch g {
    case 0u: { return share4(o.v0, i); }
    case 1u: { return share4(o.v1, i); }
    case 2u: { return share4(o.v2, i); }
    default: { return share4(o.v3, i); }
  }
}

// Four products of row v with the B texels of k .. k+3, summed before they touch an accumulator.
fn mac(v: vec4f, b0: vec4f, b1: vec4f, b2: vec4f, b3: vec4f) -> vec4f {
  return (v.x * b0 + v.y * b1) + (v.z * b2 + v.w * b3);
}

fn texel(r: u32, j: u32) -> vec2u {
  return vec2u((r >> p.fold) * p.b_w4 + j, r & ((1u << p.fold) - 1u));
}

fn safe_tanh(x: vec4f) -> vec4f {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn act(x: vec4f) -> vec4f {
  switch ACT {
    case 0u: { return x; }
    case 1u: { return max(x, vec4f(0.0)); }
    case 2u: { return select(ALPHA * x, x, x > vec4f(0.0)); }
    default: { return safe_tanh(x); }
  }
}

// OUT 1: the input pixel (image, a, b) of class cls that the tile row store() is at. The rows are stored in order, so store() steps these by one row each time instead of
// dividing: a u32 division is 8 scalar divisions on lavapipe, and 4 per row made the class
// GEMMs 10-25% slower at K = 512-1024 and twice as slow at K = 52 (the 7x7 input gradient).
var<private> out_img: u32;
var<private> out_a: u32;
var<private> out_b: u32;

fn begin_store(m0: u32) {
  let wc = max(cls.wc, 1u); let hc = max(cls.hc, 1u);
  out_b = m0 % wc;
  let t = m0 / wc;
  out_a = t % hc;
  out_img = t / hc;
}

// Stores row m of GEMM z, columns n0 .. n0+3 (those < nc).
fn store(z: u32, m: u32, n0: u32, acc: vec4f) {
  if (m >= p.m) { return; }  // classes: p.m is the largest class; each checks its own below
  var v = acc;
  if (HAS_BIAS) {
    for (var j = 0u; j < 4u; j++) { if (n0 + j < p.nc) { v[j] += bias[n0 + j]; } }
  }
  if (OUT == 0u) {
    v = act(v);
    let base = z * p.out_zoff + m * p.ldo + n0;
    for (var j = 0u; j < 4u; j++) { if (n0 + j < p.nc) { out[base + j] = v[j]; } }
  } else if (OUT == 1u) {
    let k = cls;
    // Past the class's last row every later row is too, so the stepping below may stop here.
    if (m >= p.n * k.hc * k.wc) { return; }
    let at = (out_img * p.h + k.ih0 + out_a * p.sh) * p.w + k.iw0 + out_b * p.sw;
    for (var j = 0u; j < 4u; j++) { if (n0 + j < p.nc) { out[at * p.nc + n0 + j] = v[j]; } }
    out_b += 1u;
    if (out_b == k.wc) { out_b = 0u; out_a += 1u; }
    if (out_a == k.hc) { out_a = 0u; out_img += 1u; }
  } else {
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n < p.nc) { out[z * p.out_zoff + ((n / p.tap_f) * p.tap_c + m) * p.tap_f + n % p.tap_f] = v[j]; }
    }
  }
}

@compute @workgroup_size(8)
fn gemm(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) l: u32) {
  let rows = 8u * ROW_GROUPS;
  let z = wid.z;
  let m0 = wid.x * rows;
  lane = l;
  a_base = z * p.a_zrows + m0;
  if (AMODE == 1u || OUT == 1u) { cls = parity_class(z); }
  if (AMODE == 1u) { begin_rows(m0); }
  if (AMODE == 2u) {
    let tap = m0 / p.c;
    t_kh = i32(tap / p.kw) - i32(p.pad_t); t_kw = i32(tap % p.kw) - i32(p.pad_l);
    t_c4 = (m0 % p.c) / 4u;
    c4 = p.c / 4u;
    let o = z * p.b_zrows;
    pix = vec3u(o / (p.oh * p.ow), (o / p.ow) % p.oh, o % p.ow);
  }
  let bz = z * p.b_zrows;
  let c = wid.y * 8u + l;
  var acc0 = vec4f(0.0); var acc1 = vec4f(0.0); var acc2 = vec4f(0.0); var acc3 = vec4f(0.0);
  var acc4 = vec4f(0.0); var acc5 = vec4f(0.0); var acc6 = vec4f(0.0); var acc7 = vec4f(0.0);
  var acc8 = vec4f(0.0); var acc9 = vec4f(0.0); var acc10 = vec4f(0.0); var acc11 = vec4f(0.0);
  var acc12 = vec4f(0.0); var acc13 = vec4f(0.0); var acc14 = vec4f(0.0); var acc15 = vec4f(0.0);
  var acc16 = vec4f(0.0); var acc17 = vec4f(0.0); var acc18 = vec4f(0.0); var acc19 = vec4f(0.0);
  var acc20 = vec4f(0.0); var acc21 = vec4f(0.0); var acc22 = vec4f(0.0); var acc23 = vec4f(0.0);
  var acc24 = vec4f(0.0); var acc25 = vec4f(0.0); var acc26 = vec4f(0.0); var acc27 = vec4f(0.0);
  var acc28 = vec4f(0.0); var acc29 = vec4f(0.0); var acc30 = vec4f(0.0); var acc31 = vec4f(0.0);
  for (var seg = 0u; seg < p.segments; seg++) {
    if (AMODE == 1u) { begin_segment(); }
    for (var s = 0u; s < p.steps; s++) {
      let k = seg * p.steps + s;
      // B's rows kr .. kr+3 lie in one block of the fold (its height is a multiple of 4).
      let t = texel(bz + 4u * k, c);
      let b0 = textureLoad(B, t);
      let b1 = textureLoad(B, t + vec2u(0u, 1u));
      let b2 = textureLoad(B, t + vec2u(0u, 2u));
      let b3 = textureLoad(B, t + vec2u(0u, 3u));
      let o = own(k, s);
      acc0 += mac(tile_row(o, 0u, 0u, k), b0, b1, b2, b3);
      acc1 += mac(tile_row(o, 0u, 1u, k), b0, b1, b2, b3);
      acc2 += mac(tile_row(o, 0u, 2u, k), b0, b1, b2, b3);
      acc3 += mac(tile_row(o, 0u, 3u, k), b0, b1, b2, b3);
      acc4 += mac(tile_row(o, 0u, 4u, k), b0, b1, b2, b3);
      acc5 += mac(tile_row(o, 0u, 5u, k), b0, b1, b2, b3);
      acc6 += mac(tile_row(o, 0u, 6u, k), b0, b1, b2, b3);
      acc7 += mac(tile_row(o, 0u, 7u, k), b0, b1, b2, b3);
      if (ROW_GROUPS >= 2u) {
        acc8 += mac(tile_row(o, 1u, 0u, k), b0, b1, b2, b3);
        acc9 += mac(tile_row(o, 1u, 1u, k), b0, b1, b2, b3);
        acc10 += mac(tile_row(o, 1u, 2u, k), b0, b1, b2, b3);
        acc11 += mac(tile_row(o, 1u, 3u, k), b0, b1, b2, b3);
        acc12 += mac(tile_row(o, 1u, 4u, k), b0, b1, b2, b3);
        acc13 += mac(tile_row(o, 1u, 5u, k), b0, b1, b2, b3);
        acc14 += mac(tile_row(o, 1u, 6u, k), b0, b1, b2, b3);
        acc15 += mac(tile_row(o, 1u, 7u, k), b0, b1, b2, b3);
      }
      if (ROW_GROUPS >= 4u) {
        acc16 += mac(tile_row(o, 2u, 0u, k), b0, b1, b2, b3);
        acc17 += mac(tile_row(o, 2u, 1u, k), b0, b1, b2, b3);
        acc18 += mac(tile_row(o, 2u, 2u, k), b0, b1, b2, b3);
        acc19 += mac(tile_row(o, 2u, 3u, k), b0, b1, b2, b3);
        acc20 += mac(tile_row(o, 2u, 4u, k), b0, b1, b2, b3);
        acc21 += mac(tile_row(o, 2u, 5u, k), b0, b1, b2, b3);
        acc22 += mac(tile_row(o, 2u, 6u, k), b0, b1, b2, b3);
        acc23 += mac(tile_row(o, 2u, 7u, k), b0, b1, b2, b3);
        acc24 += mac(tile_row(o, 3u, 0u, k), b0, b1, b2, b3);
        acc25 += mac(tile_row(o, 3u, 1u, k), b0, b1, b2, b3);
        acc26 += mac(tile_row(o, 3u, 2u, k), b0, b1, b2, b3);
        acc27 += mac(tile_row(o, 3u, 3u, k), b0, b1, b2, b3);
        acc28 += mac(tile_row(o, 3u, 4u, k), b0, b1, b2, b3);
        acc29 += mac(tile_row(o, 3u, 5u, k), b0, b1, b2, b3);
        acc30 += mac(tile_row(o, 3u, 6u, k), b0, b1, b2, b3);
        acc31 += mac(tile_row(o, 3u, 7u, k), b0, b1, b2, b3);
      }
    }
  }
  let n0 = 4u * c;
  if (OUT == 1u) { begin_store(m0); }
  store(z, m0, n0, acc0); store(z, m0 + 1u, n0, acc1); store(z, m0 + 2u, n0, acc2); store(z, m0 + 3u, n0, acc3);
  store(z, m0 + 4u, n0, acc4); store(z, m0 + 5u, n0, acc5); store(z, m0 + 6u, n0, acc6); store(z, m0 + 7u, n0, acc7);
  if (ROW_GROUPS >= 2u) {
    store(z, m0 + 8u, n0, acc8); store(z, m0 + 9u, n0, acc9); store(z, m0 + 10u, n0, acc10); store(z, m0 + 11u, n0, acc11);
    store(z, m0 + 12u, n0, acc12); store(z, m0 + 13u, n0, acc13); store(z, m0 + 14u, n0, acc14); store(z, m0 + 15u, n0, acc15);
  }
  if (ROW_GROUPS >= 4u) {
    store(z, m0 + 16u, n0, acc16); store(z, m0 + 17u, n0, acc17); store(z, m0 + 18u, n0, acc18); store(z, m0 + 19u, n0, acc19);
    store(z, m0 + 20u, n0, acc20); store(z, m0 + 21u, n0, acc21); store(z, m0 + 22u, n0, acc22); store(z, m0 + 23u, n0, acc23);
    store(z, m0 + 24u, n0, acc24); store(z, m0 + 25u, n0, acc25); store(z, m0 + 26u, n0, acc26); store(z, m0 + 27u, n0, acc27);
    store(z, m0 + 28u, n0, acc28); store(z, m0 + 29u, n0, acc29); store(z, m0 + 30u, n0, acc30); store(z, m0 + 31u, n0, acc31);
  }
}
