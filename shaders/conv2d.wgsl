// 2-D convolution (NHWC, Keras kernel [KH,KW,C,F]) as three implicit GEMMs that never
// materialise im2col: operand A is gathered from the image on the fly, zeros in the padding.
//
// forward:         y[n,oh,ow,f] = act(b[f] + sum_{kh,kw,c} x[n, oh*sH+kh-padT, ow*sW+kw-padL, c] * w[kh,kw,c,f])
//                  GEMM rows m = (n,oh,ow), cols f, k = (kh,kw,c). Overwrites y.
// backward_input:  dx[n,ih,iw,c] = (b[c] +) sum over (kh,kw,f) with ih = oh*sH+kh-padT, iw = ow*sW+kw-padL
//                  in range: dy[n,oh,ow,f] * w[kh,kw,c,f]. A gather over dy, no scatter, no atomics.
//                  Sub-pixel decomposition: a pixel with (ih+padT) mod sH = ph only receives the taps
//                  kh = ph + jh*sH, so grid z enumerates the sH*sW parity classes (ph,pw); within a class
//                  rows m = (n, a, b) with ih = ih0 + a*sH, cols c, k = (jh, jw, f), K = ceil(KH/sH)*ceil(KW/sW)*F.
//                  Taps with kh >= KH or oh out of range read zero. Also Conv2DTranspose's forward,
//                  hence the optional bias (by c). Overwrites dx.
// backward_filter: dw[kh,kw,c,f] = sum_{n,oh,ow} x[n, oh*sH+kh-padT, ow*sW+kw-padL, c] * dy[n,oh,ow,f]
//                  GEMM rows m = (kh,kw,c), cols f, k = (n,oh,ow). Overwrites dw.
//
// Bindings: a_src = the gathered operand (x, dy, x), b_src = the dense one (w, w, dy), dst = the output,
// bias (forward and backward_input only; bound to w when HAS_BIAS is false, since an 'auto'
// layout wants every binding the entry point mentions).
//
// Thread mapping, 256 threads per workgroup, f32 accumulation, every load and store bounds-checked:
// - square tile (TALL = false): a (16*RI)x(16*RJ) output tile, grid (ceil(M/(16*RI)), ceil(cols/(16*RJ)), z).
//   Each k-step stages A[16*RI x BK] (k-fast loads) and B[BK x 16*RJ] (column-fast loads) in
//   workgroup memory; thread (tx, ty) = (lid % 16, lid / 16) keeps an RIxRJ micro-tile in
//   registers for rows ty + 16i and columns tx + 16j (so stores are contiguous along the channel).
//   RI (override, 1, 2, 4 or 8) and RJ (override, 4 or 8; 8 only with RI = 8): 4x4 (64x64) by
//   default, fewer rows for GEMMs of few rows (Dense at a small batch), where it wastes less, and
//   the big tile RI = RJ = 8 (128x128) for GEMMs of 128 columns or more whose grid keeps enough
//   workgroups (convTiling): each thread then reads 16 staged values per 64 FMAs, not 8 per 16.
//   (128x64, RI = 8 and RJ = 4, works but ran slower than 64x64 on lavapipe; convTiling skips it.)
//   BK (derived override) is 16 up to 64x64 and 8 for the big tiles, so that both fit the same
//   As and Bs (see their declarations for the bytes).
//   A last k-step shorter than BK (K = 1 for Dense 6272 -> 1's input gradient) stops at K.
// - tall tile (TALL = true, for cols <= 4, e.g. F = 1): A has no reuse to share, so it is read
//   straight from memory. The workgroup is 256/KL rows times KL k-lanes (KL override, a power of
//   two): thread lid owns row lid / KL and the TC (override, = cols) columns, and k-lane lid % KL
//   takes every KL-th k; the KL lanes of a row are then added pairwise in workgroup memory, in a
//   fixed order. Grid (ceil(M/(256/KL)), 1, z).
//   forward, backward_input: k = (tap, channel) with the channel contiguous in a_src, so the
//   thread checks each tap's window once and its lane walks the channels (neighbouring threads,
//   neighbouring addresses); KL = 16, or up to 256 for few rows (Dense 6272 -> 1).
//   backward_filter: rows = (kh, kw, c) run along the channel, so KL = 1 (one row per thread)
//   unless there are few rows; k = (n, oh, ow) in chunks of 256, decomposed into coordinates and
//   their B rows staged in workgroup memory; each chunk is summed apart and then added (two
//   levels keep the f32 error of these long sums near sqrt(K/256 + 256) ulps).
// - split-K (backward_filter only, whose K = N*OH*OW is long and whose output is small): grid z
//   is the split; workgroup z sums k in [z*ks, min(K, (z+1)*ks)) and writes its partial sums to
//   dst[z*M*F + ...], dst then being a scratch [splits, KH, KW, C, F] that reduce.wgsl:split_sum
//   adds up in a fixed order (deterministic). One split (z = 0, ks >= K) writes dw directly.
//   forward and backward_input never split (their grids are large enough; z is backward_input's
//   parity class).
//
// ACT (override): 0 = linear, 1 = ReLU, 2 = LeakyReLU(alpha), 3 = tanh (overflow-safe). Forward only.

override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override TALL: bool = false;
override RI: u32 = 4u;
override RJ: u32 = 4u;
override KL: u32 = 1u;
override TC: u32 = 4u;

struct Params {
  N: u32, H: u32, W: u32, C: u32,
  KH: u32, KW: u32, F: u32, sH: u32,
  sW: u32, padT: u32, padL: u32, OH: u32,
  OW: u32, alpha: f32, ks: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a_src: array<f32>;
@group(0) @binding(2) var<storage, read> b_src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

const MODE_FORWARD: u32 = 0u;
const MODE_BACKWARD_INPUT: u32 = 1u;
const MODE_BACKWARD_FILTER: u32 = 2u;

// One GEMM problem; for backward_input, one parity class. A(m, k) is the gathered operand at
// coordinate row_part(m) + k_part(k) = (image, row, column, channel) in a tensor [*, D1, D2, D3];
// B(k, col) = b_src[b_offset(k) + col * b_stride].
struct Gemm {
  mode: u32,
  M: u32, cols: u32, K: u32, kb: u32,
  ph: u32, pw: u32, ih0: u32, iw0: u32, Hc: u32, Wc: u32, TJW: u32,
  D1: u32, D2: u32, D3: u32, b_stride: u32,
}

fn make_gemm(mode: u32, z: u32) -> Gemm {
  var g: Gemm;
  g.mode = mode;
  g.kb = 0u;
  g.b_stride = 1u;
  g.D1 = p.H; g.D2 = p.W; g.D3 = p.C;
  if (mode == MODE_FORWARD) {
    g.M = p.N * p.OH * p.OW; g.cols = p.F; g.K = p.KH * p.KW * p.C;
  } else if (mode == MODE_BACKWARD_INPUT) {
    g.ph = z / p.sW; g.pw = z % p.sW;
    // The first ih >= 0 with (ih + padT) mod sH == ph, and how many of the class fit in H.
    g.ih0 = (g.ph + p.sH - p.padT % p.sH) % p.sH;
    g.iw0 = (g.pw + p.sW - p.padL % p.sW) % p.sW;
    g.Hc = select(0u, (p.H - g.ih0 + p.sH - 1u) / p.sH, g.ih0 < p.H);
    g.Wc = select(0u, (p.W - g.iw0 + p.sW - 1u) / p.sW, g.iw0 < p.W);
    g.TJW = (p.KW + p.sW - 1u) / p.sW;
    let TJH = (p.KH + p.sH - 1u) / p.sH;
    g.M = p.N * g.Hc * g.Wc; g.cols = p.C; g.K = TJH * g.TJW * p.F;
    g.D1 = p.OH; g.D2 = p.OW; g.D3 = p.F; g.b_stride = p.F;
  } else {
    // Split z sums k in [kb, K): the k past its end count as missing, like those past the last.
    g.M = p.KH * p.KW * p.C; g.cols = p.F;
    g.kb = z * p.ks;
    g.K = min(p.N * p.OH * p.OW, g.kb + p.ks);
  }
  return g;
}

// Added to a coordinate, pushes it out of range: marks a missing row, k or tap. Twice FAR
// plus any real coordinate still fits an i32.
const FAR: i32 = -268435456;

// (n, oh*sH - padT, ow*sW - padL, 0): where output pixel (n, oh, ow) starts reading x.
fn window(i: u32) -> vec4i {
  let ow = i % p.OW;
  let t = i / p.OW;
  return vec4i(i32(t / p.OH), i32((t % p.OH) * p.sH) - i32(p.padT), i32(ow * p.sW) - i32(p.padL), 0);
}

// (0, kh, kw, c) for i = (kh*KW + kw)*C + c.
fn tap(i: u32) -> vec4i {
  let u = i / p.C;
  return vec4i(0, i32(u / p.KW), i32(u % p.KW), i32(i % p.C));
}

// backward_input's k = (jh, jw, f): kernel tap kh = ph + jh*sH, kw = pw + jw*sW.
fn class_tap(g: Gemm, k: u32) -> vec4u {
  let t = k / p.F;
  let jh = t / g.TJW;
  let jw = t % g.TJW;
  return vec4u(jh, jw, g.ph + jh * p.sH, g.pw + jw * p.sW);
}

fn row_part(g: Gemm, m: u32) -> vec4i {
  if (m >= g.M) { return vec4i(0, FAR, 0, 0); }
  if (g.mode == MODE_FORWARD) { return window(m); }
  if (g.mode == MODE_BACKWARD_INPUT) {
    let b = m % g.Wc;
    let t = m / g.Wc;
    // dx pixel (ih, iw) of the class reads dy at oh = (ih + padT - ph)/sH - jh, exact by the class.
    let ih = g.ih0 + (t % g.Hc) * p.sH;
    let iw = g.iw0 + b * p.sW;
    return vec4i(i32(t / g.Hc), i32((ih + p.padT - g.ph) / p.sH), i32((iw + p.padL - g.pw) / p.sW), 0);
  }
  return tap(m);
}

fn k_part(g: Gemm, k: u32) -> vec4i {
  if (k >= g.K) { return vec4i(0, FAR, 0, 0); }
  if (g.mode == MODE_FORWARD) { return tap(k); }
  if (g.mode == MODE_BACKWARD_INPUT) {
    let ct = class_tap(g, k);
    if (ct.z >= p.KH || ct.w >= p.KW) { return vec4i(0, FAR, 0, 0); }
    return vec4i(0, -i32(ct.x), -i32(ct.y), i32(k % p.F));
  }
  return window(k);
}

fn gather(g: Gemm, q: vec4i) -> f32 {
  if (q.y < 0 || q.z < 0 || q.y >= i32(g.D1) || q.z >= i32(g.D2)) { return 0.0; }
  return a_src[((u32(q.x) * g.D1 + u32(q.y)) * g.D2 + u32(q.z)) * g.D3 + u32(q.w)];
}

// Where row k of B starts; -1 for a missing k or tap. forward: w [K, F]; backward_filter:
// dy [K, F]; backward_input: w[kh, kw, col, f], columns F apart.
fn b_offset(g: Gemm, k: u32) -> i32 {
  if (k >= g.K) { return -1; }
  if (g.mode == MODE_BACKWARD_INPUT) {
    let ct = class_tap(g, k);
    if (ct.z >= p.KH || ct.w >= p.KW) { return -1; }
    return i32((ct.z * p.KW + ct.w) * p.C * p.F + k % p.F);
  }
  return i32(k * g.cols);
}

fn load_b(g: Gemm, offset: i32, col: u32) -> f32 {
  if (offset < 0 || col >= g.cols) { return 0.0; }
  return b_src[u32(offset) + col * g.b_stride];
}

// Square tile: BK k per step, BN = 16*RJ columns. 256 threads stage A as 256/BK rows times BK
// k per pass, A_LOADS passes (16*RI rows), and B as BK rows times 256/BK columns, B_LOADS passes.
override BK: u32 = select(16u, 8u, RI > 4u || RJ > 4u);
override BN: u32 = 16u * RJ;
override A_LOADS: u32 = RI * BK / 16u;
override B_LOADS: u32 = RJ * BK / 16u;
// One padding float per row of As, so the k-fast stores of BK threads hit BK different banks.
override AS_STRIDE: u32 = select(65u, 129u, RI > 4u);
// Accumulators the entry points store: RI*RJ (square) or TC (tall).
override SLOTS: u32 = select(RI * RJ, TC, TALL);
// Workgroup memory, the same for every tiling (all three are referenced by every entry point):
// As 1040 * 4 + Bs 1024 * 4 + Kp 256 * 16 = 4160 + 4096 + 4096 = 12352 bytes <= 16384 (the
// WebGPU baseline maxComputeWorkgroupStorageSize). Up to 64x64 (BK 16): As holds 16 * 65 = 1040,
// Bs 16 * 64 = 1024; 128x128 (BK 8): As 8 * 129 = 1032, Bs 8 * 128 = 1024; 128x64: 1032 and 512.
// (BK 16 at 128x128 would need 16 * 129 + 16 * 128 floats = 16448 bytes before Kp.)
var<workgroup> As: array<f32, 1040>; // BK * AS_STRIDE
var<workgroup> Bs: array<f32, 1024>; // BK * BN; the tall tile's B chunk [256 x 4]
var<workgroup> Kp: array<vec4i, 256>; // the tall tile's k_part chunk

// acc[i*RJ + j] is row m0 + ty + 16i (i < RI), column n0 + tx + 16j (j < RJ). Each thread stages
// the A elements of one k and A_LOADS rows, and the B elements of one k and B_LOADS columns, so
// it decomposes one k of each per step; its A_LOADS rows are decomposed once.
fn gemm_square(g: Gemm, lid: u32, m0: u32, n0: u32) -> array<f32, 64> {
  var acc = array<f32, 64>();
  let tx = lid % 16u;
  let ty = lid / 16u;
  let ak = lid % BK;
  let am = lid / BK;
  let bk = lid / (256u / BK);
  let bc = lid % (256u / BK);
  var rows = array<vec4i, 4>(vec4i(0), vec4i(0), vec4i(0), vec4i(0));
  for (var i = 0u; i < A_LOADS; i++) { rows[i] = row_part(g, m0 + am + (256u / BK) * i); }
  for (var k0 = g.kb; k0 < g.K; k0 += BK) {
    let kp = k_part(g, k0 + ak);
    for (var i = 0u; i < A_LOADS; i++) { As[ak * AS_STRIDE + am + (256u / BK) * i] = gather(g, rows[i] + kp); }
    let bo = b_offset(g, k0 + bk);
    for (var j = 0u; j < B_LOADS; j++) { Bs[bk * BN + bc + (256u / BK) * j] = load_b(g, bo, n0 + bc + (256u / BK) * j); }
    workgroupBarrier();
    // The staged k past K are zeros; a short last step (tiny K) skips them. Full steps keep
    // the constant trip count.
    if (k0 + BK <= g.K) { acc = square_step(acc, BK, tx, ty); } else { acc = square_step(acc, g.K - k0, tx, ty); }
    workgroupBarrier();
  }
  return acc;
}

fn square_step(acc_in: array<f32, 64>, kn: u32, tx: u32, ty: u32) -> array<f32, 64> {
  var acc = acc_in;
  for (var kk = 0u; kk < kn; kk++) {
    var a = array<f32, 8>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    var b = array<f32, 8>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (var i = 0u; i < RI; i++) { a[i] = As[kk * AS_STRIDE + ty + 16u * i]; }
    for (var j = 0u; j < RJ; j++) { b[j] = Bs[kk * BN + tx + 16u * j]; }
    for (var i = 0u; i < RI; i++) {
      for (var j = 0u; j < RJ; j++) { acc[i * RJ + j] = fma(a[i], b[j], acc[i * RJ + j]); }
    }
  }
  return acc;
}

// The tall tile for backward_filter. acc[j] (j < TC) is row m0 + lid / KL, column n0 + j,
// complete in the threads with lid % KL == 0. Chunks of 256 k: each thread decomposes one k and
// loads its TC B values into workgroup memory, then each thread runs through its k-lane's share
// of the chunk. Each chunk is summed apart and then added: the tall tile's sums are the longest,
// and two levels keep their f32 error near sqrt(K/256 + 256) ulps.
fn gemm_tall(g: Gemm, lid: u32, m0: u32, n0: u32) -> array<f32, 16> {
  var acc = array<f32, 16>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  let lane = lid % KL;
  let row = row_part(g, m0 + lid / KL);
  for (var k0 = g.kb; k0 < g.K; k0 += 256u) {
    Kp[lid] = k_part(g, k0 + lid);
    let bo = b_offset(g, k0 + lid);
    for (var j = 0u; j < TC; j++) { Bs[lid * TC + j] = load_b(g, bo, n0 + j); }
    workgroupBarrier();
    let kn = min(256u, g.K - k0);
    // Written out: SwiftShader kept the previous chunk's values for a bare `var part: array<f32, 4>;`
    // here, though WGSL zero-initialises a declaration each time it runs.
    var part = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var kk = lane; kk < kn; kk += KL) {
      let a = gather(g, row + Kp[kk]);
      for (var j = 0u; j < TC; j++) { part[j] = fma(a, Bs[kk * TC + j], part[j]); }
    }
    for (var j = 0u; j < TC; j++) { acc[j] += part[j]; }
    workgroupBarrier();
  }
  return add_lanes(acc, lid);
}

// The KL lanes of a row are adjacent threads: add them pairwise in Bs (free after the callers'
// last barrier, if any), lane l taking lane l + half, so the order is fixed. Lane 0 gets the sum.
fn add_lanes(acc_in: array<f32, 16>, lid: u32) -> array<f32, 16> {
  var acc = acc_in;
  if (KL > 1u) {
    let lane = lid % KL;
    for (var j = 0u; j < TC; j++) { Bs[lid * 4u + j] = acc[j]; }
    workgroupBarrier();
    for (var half = KL / 2u; half > 0u; half >>= 1u) {
      if (lane < half) {
        for (var j = 0u; j < TC; j++) { Bs[lid * 4u + j] += Bs[(lid + half) * 4u + j]; }
      }
      workgroupBarrier();
    }
    for (var j = 0u; j < TC; j++) { acc[j] = Bs[lid * 4u + j]; }
  }
  return acc;
}

// The tall tile for forward and backward_input, whose k = (tap, channel) with the channel
// contiguous in a_src: for each tap, the thread checks its window once and then walks its
// k-lane's channels, reading a_src and b_src straight from memory (no staging, no barriers
// until the lanes are added). forward: taps (kh, kw), channels c, B(k, col) = w[k*cols + col];
// backward_input: taps (jh, jw) of the class, channels f, B(k, col) = w[kh, kw, col, f].
fn gemm_tall_taps(g: Gemm, lid: u32, m0: u32, n0: u32) -> array<f32, 16> {
  var acc = array<f32, 16>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  let lane = lid % KL;
  let row = row_part(g, m0 + lid / KL);
  let channels = select(p.F, p.C, g.mode == MODE_FORWARD);
  let b_kstep = select(1u, g.cols, g.mode == MODE_FORWARD);
  for (var k0 = 0u; k0 < g.K; k0 += channels) {
    let q = row + k_part(g, k0);
    let bo = b_offset(g, k0);
    if (bo < 0 || q.y < 0 || q.z < 0 || q.y >= i32(g.D1) || q.z >= i32(g.D2)) { continue; }
    let ao = ((u32(q.x) * g.D1 + u32(q.y)) * g.D2 + u32(q.z)) * g.D3;
    for (var c = lane; c < channels; c += KL) {
      let a = a_src[ao + c];
      for (var j = 0u; j < TC; j++) {
        if (n0 + j < g.cols) { acc[j] = fma(a, b_src[u32(bo) + c * b_kstep + (n0 + j) * g.b_stride], acc[j]); }
      }
    }
  }
  return add_lanes(acc, lid);
}

fn gemm(g: Gemm, lid: u32, wid: vec3u) -> array<f32, 64> {
  if (TALL) {
    var t = array<f32, 16>();
    if (g.mode != MODE_BACKWARD_FILTER) { t = gemm_tall_taps(g, lid, wid.x * (256u / KL), wid.y * TC); }
    else { t = gemm_tall(g, lid, wid.x * (256u / KL), wid.y * TC); }
    var acc = array<f32, 64>();
    for (var j = 0u; j < TC; j++) { acc[j] = t[j]; }
    return acc;
  }
  return gemm_square(g, lid, wid.x * (16u * RI), wid.y * BN);
}

// The (row, column) of accumulator slot s < SLOTS, or (M, cols) for unused slots: the tall
// tile's in lanes other than 0.
fn slot(g: Gemm, lid: u32, wid: vec3u, s: u32) -> vec2u {
  if (TALL) {
    if (s >= TC || lid % KL != 0u) { return vec2u(g.M, g.cols); }
    return vec2u(wid.x * (256u / KL) + lid / KL, wid.y * TC + s);
  }
  return vec2u(wid.x * (16u * RI) + lid / 16u + 16u * (s / RJ), wid.y * BN + lid % 16u + 16u * (s % RJ));
}

// Same formula as activation.wgsl: exp(-2|x|) is in (0, 1], so +-300 gives exactly +-1.
fn safe_tanh(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn act(x: f32) -> f32 {
  switch ACT {
    case 0u: { return x; }
    case 1u: { return max(x, 0.0); }
    case 2u: { return select(p.alpha * x, x, x > 0.0); }
    default: { return safe_tanh(x); }
  }
}

@compute @workgroup_size(256)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = make_gemm(MODE_FORWARD, 0u);
  let acc = gemm(g, lid, wid);
  for (var s = 0u; s < SLOTS; s++) {
    let mc = slot(g, lid, wid, s);
    if (mc.x >= g.M || mc.y >= g.cols) { continue; }
    var v = acc[s];
    if (HAS_BIAS) { v += bias[mc.y]; }
    dst[mc.x * p.F + mc.y] = act(v);
  }
}

@compute @workgroup_size(256)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = make_gemm(MODE_BACKWARD_INPUT, wid.z);
  let acc = gemm(g, lid, wid);
  for (var s = 0u; s < SLOTS; s++) {
    let mc = slot(g, lid, wid, s);
    if (mc.x >= g.M || mc.y >= g.cols) { continue; }
    let b = mc.x % g.Wc; let t = mc.x / g.Wc;
    let ih = g.ih0 + (t % g.Hc) * p.sH;
    let iw = g.iw0 + b * p.sW;
    var v = acc[s];
    if (HAS_BIAS) { v += bias[mc.y]; }
    dst[(((t / g.Hc) * p.H + ih) * p.W + iw) * p.C + mc.y] = v;
  }
}

@compute @workgroup_size(256)
fn backward_filter(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = make_gemm(MODE_BACKWARD_FILTER, wid.z);
  let acc = gemm(g, lid, wid);
  let base = wid.z * g.M * p.F;
  for (var s = 0u; s < SLOTS; s++) {
    let mc = slot(g, lid, wid, s);
    if (mc.x >= g.M || mc.y >= g.cols) { continue; }
    dst[base + mc.x * p.F + mc.y] = acc[s];
  }
}
