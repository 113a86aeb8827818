// Packing for the cpu-family GEMM (gemm-cpu.wgsl): writes one operand of a convolution's GEMM,
// gathered from an NHWC tensor or a Keras kernel, zero-padded to whole tiles: A into a storage
// buffer (to_buffer), B into an rgba32float texture (to_texture). One invocation per texel (four
// neighbouring columns of one row), for every texel of the padded region, so padding is written
// too (zeros) and nothing is left from a previous use. Grid: x * 64 + lid over rows * w4 texels
// (folded into x and y), z the GEMM (class or split). Layouts as gemm-cpu.wgsl: element (row r of
// GEMM z, column j) is vec4 R * w4 + j / 4 of the buffer, or texel ((R >> fold) * w4 + j / 4,
// R & (2^fold - 1)) of the texture, with R = z * ROWS + r, component j % 4.
// Why A goes to a buffer: a texel store costs ~33 ns per invocation on lavapipe, a vec4 buffer
// store about half, and the GEMM's A loads (one per 8 rows, shared by shuffles) barely notice.
//
// MODE (override) says what element (z, r, j) is; rows r < M and columns j < J with
// z*kz + j < Kt hold data (kz: a split's first k; Kt: the total K), the rest zeros.
// Geometry as conv2d.wgsl: x [N,H,W,C], w [KH,KW,C,F], dy [N,OH,OW,F].
//   0 im2col     forward's A: r = (n, oh, ow), j = (kh, kw, c): x[n, oh*sH+kh-padT, ow*sW+kw-padL, c]
//   1 im2col_t   backward_filter's A, split into K ranges: r = (kh, kw, c), j = (n, oh, ow) - z*kz
//                of the same x element (zero outside the image)
//   2 class_rows backward_input's A for parity class z = (ph, pw): r = (n, a, b) the class's input
//                pixel (ih0 + a*sH, iw0 + b*sW), j = (jh, jw, f): dy[n, oh, ow, f] read by tap
//                kh = ph + jh*sH, kw = pw + jw*sW, oh = (ih + padT - kh) / sH (exact by the class)
//   3 class_w    backward_input's B for class z: r = (jh, jw, f), j = c: w[kh, kw, c, f]
//   4 matrix     any strided view: src[base + r*rs + (k / kd)*cs1 + (k % kd)*cs0], k = z*kz + j
//                (weights as B, dy as B, x and dy as the tap forms' A, x transposed)
//   5 col        the tap forms' B for a filter gradient: r = (n, ih, iw), j = (kh, kw, f):
//                dy[n, (ih+padT-kh)/sH, (iw+padL-kw)/sW, f] where that is a whole output pixel

override MODE: u32 = 0u;

// The shape is baked in as override constants, not a uniform: a u32 division by a value known
// only at run time is 8 scalar divisions per SIMD instruction on lavapipe (no vector integer
// divide), and the gathers above divide a lot; by a constant it is a multiply and a shift. With
// uniforms this kernel took 5 times as long as the GEMM it feeds.
override ROWS: u32;     // rows per GEMM (padded)
override W4: u32;       // texels per row
override FOLD: u32;     // log2 of the texture's fold height
override M: u32;        // rows holding data
override J: u32;        // columns holding data
override KZ: u32 = 0u;  // split layouts: GEMM z's first k
override KT: u32;       // the total K of a split layout (others: J)
override GROUPS_X: u32; // workgroups along x (the grid is folded into x and y)
override N: u32 = 1u; override H: u32 = 1u; override W: u32 = 1u; override C: u32 = 1u;
override KH: u32 = 1u; override KW: u32 = 1u; override F: u32 = 1u;
override SH: u32 = 1u; override SW: u32 = 1u; override PAD_T: u32 = 0u; override PAD_L: u32 = 0u;
override OH: u32 = 1u; override OW: u32 = 1u;
override RS: u32 = 0u; override CS0: u32 = 0u; override CS1: u32 = 0u; override KD: u32 = 1u; override BASE: u32 = 0u;
// The four elements of every texel are consecutive in src from a multiple of 4, or all zeros
// (im2col with C % 4 == 0, class_rows with F % 4 == 0, a row-major matrix view): one vec4 load.
override VEC: bool = false;

@group(0) @binding(0) var<storage, read> src: array<f32>;
// The same buffer as src, read a texel at a time where VEC says the four are one aligned vec4.
@group(0) @binding(1) var<storage, read> src4: array<vec4f>;
@group(0) @binding(2) var dst_texture: texture_storage_2d<rgba32float, write>;
// Binding 2 is the destination of either entry point.
@group(0) @binding(2) var<storage, read_write> dst_buffer: array<vec4f>;

// Each function gives the index in src of element (z, r, j), or -1 where it is a zero.

// x[n, ih, iw, c]; outside the image (ih, iw may be negative), -1.
fn image(n: u32, ih: i32, iw: i32, c: u32) -> i32 {
  if (ih < 0 || iw < 0 || ih >= i32(H) || iw >= i32(W)) { return -1; }
  return i32(((n * H + u32(ih)) * W + u32(iw)) * C + c);
}

// x at output pixel o = (n, oh, ow) and tap t = (kh, kw, c).
fn window(o: u32, t: u32) -> i32 {
  let ow = o % OW; let q = o / OW;
  let c = t % C; let u = t / C;
  return image(q / OH, i32((q % OH) * SH + u / KW) - i32(PAD_T), i32(ow * SW + u % KW) - i32(PAD_L), c);
}

fn class_rows(z: u32, r: u32, j: u32) -> i32 {
  let ph = z / SW; let pw = z % SW;
  let ih0 = (ph + SH - PAD_T % SH) % SH;
  let iw0 = (pw + SW - PAD_L % SW) % SW;
  let Hc = (H - ih0 + SH - 1u) / SH;
  let Wc = (W - iw0 + SW - 1u) / SW;
  if (ih0 >= H || iw0 >= W || r >= N * Hc * Wc) { return -1; }
  let TJW = (KW + SW - 1u) / SW;
  let f = j % F; let t = j / F;
  let kh = ph + (t / TJW) * SH; let kw = pw + (t % TJW) * SW;
  if (kh >= KH || kw >= KW) { return -1; }
  let b = r % Wc; let q = r / Wc;
  let ih = ih0 + (q % Hc) * SH; let iw = iw0 + b * SW;
  if (ih + PAD_T < kh || iw + PAD_L < kw) { return -1; }
  let oh = (ih + PAD_T - kh) / SH; let ow = (iw + PAD_L - kw) / SW;
  if (oh >= OH || ow >= OW) { return -1; }
  return i32(((q / Hc * OH + oh) * OW + ow) * F + f);
}

fn class_w(z: u32, r: u32, j: u32) -> i32 {
  let ph = z / SW; let pw = z % SW;
  let TJW = (KW + SW - 1u) / SW;
  let f = r % F; let t = r / F;
  let kh = ph + (t / TJW) * SH; let kw = pw + (t % TJW) * SW;
  if (kh >= KH || kw >= KW) { return -1; }
  return i32(((kh * KW + kw) * C + j) * F + f);
}

fn col(r: u32, j: u32) -> i32 {
  let f = j % F; let t = j / F;
  let kh = t / KW; let kw = t % KW;
  let iw = r % W; let q = r / W;
  let ih = q % H; let n = q / H;
  if (ih + PAD_T < kh || iw + PAD_L < kw) { return -1; }
  let dh = ih + PAD_T - kh; let dw = iw + PAD_L - kw;
  if (dh % SH != 0u || dw % SW != 0u || dh / SH >= OH || dw / SW >= OW) { return -1; }
  return i32(((n * OH + dh / SH) * OW + dw / SW) * F + f);
}

fn index(z: u32, r: u32, j: u32) -> i32 {
  if (r >= M || j >= J || z * KZ + j >= KT) { return -1; }
  switch MODE {
    case 0u: { return window(r, j); }
    case 1u: { return window(z * KZ + j, r); }
    case 2u: { return class_rows(z, r, j); }
    case 3u: { return class_w(z, r, j); }
    case 4u: { let k = z * KZ + j; return i32(BASE + r * RS + (k / KD) * CS1 + (k % KD) * CS0); }
    default: { return col(r, j); }
  }
}

// Texel t of row r of GEMM z; rows * w4 of them per z.
fn texel(z: u32, r: u32, t: u32) -> vec4f {
  var v = vec4f(0.0);
  if (VEC) {
    let e = index(z, r, 4u * t);
    if (e >= 0) { v = src4[u32(e) / 4u]; }
  } else {
    for (var c = 0u; c < 4u; c++) {
      let e = index(z, r, 4u * t + c);
      if (e >= 0) { v[c] = src[u32(e)]; }
    }
  }
  return v;
}

@compute @workgroup_size(64)
fn to_buffer(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * GROUPS_X) * 64u + lid;
  if (i >= ROWS * W4) { return; }
  dst_buffer[wid.z * ROWS * W4 + i] = texel(wid.z, i / W4, i % W4);
}

@compute @workgroup_size(64)
fn to_texture(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * GROUPS_X) * 64u + lid;
  if (i >= ROWS * W4) { return; }
  let r = i / W4; let t = i % W4;
  let R = wid.z * ROWS + r;
  textureStore(dst_texture, vec2u((R >> FOLD) * W4 + t, R & ((1u << FOLD) - 1u)), texel(wid.z, r, t));
}
