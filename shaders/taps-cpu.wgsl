// The second half of the cpu family's tap forms, for convolutions with few channels on one side
// (the generator's last 7x7 convolution to 1 channel, the discriminator's first layer's input
// gradient, Dense to 1 unit). A GEMM with a 1-4 column output wastes most of a 32-column tile
// and an im2col of its input is KH*KW times the image, so the GEMM runs over channels instead,
// one column per (tap, channel) of the small side, and these kernels add the taps up:
//
// gather_taps (forward, F <= 4): t[q, (kh*KW + kw)*F + f] = sum_c x[q, c] w[kh, kw, c, f] for
//   every input pixel q = (n, ih, iw) (gemm-cpu.wgsl). Then
//   y[n, oh, ow, f] = act(b[f] + sum_{kh,kw} t[(n, oh*sH+kh-padT, ow*sW+kw-padL), (kh*KW+kw)*F + f])
//   over the taps inside the image. Overwrites y.
// scatter_taps (backward_input, C <= 4): t[o, (kh*KW + kw)*C + c] = sum_f dy[o, f] w[kh, kw, c, f]
//   for every output pixel o (gemm-cpu.wgsl). Then dx[n, ih, iw, c] = (b[c] +)
//   sum_{kh,kw} t[(n, oh, ow), (kh*KW+kw)*C + c] over the taps with ih = oh*sH + kh - padT
//   (and the same for iw) for a whole output pixel (oh, ow). A gather, no atomics. Overwrites dx.
//
// One invocation per output element, 64 per workgroup, grid folded into x and y. Taps are summed
// in a fixed order (kh, then kw), so results do not depend on scheduling.

override HAS_BIAS: bool = false;
override ACT: u32 = 0u;

struct Params {
  N: u32, H: u32, W: u32, C: u32,
  KH: u32, KW: u32, F: u32, sH: u32,
  sW: u32, padT: u32, padL: u32, OH: u32,
  OW: u32, alpha: f32, ld: u32, groups_x: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

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

@compute @workgroup_size(64)
fn gather_taps(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * p.groups_x) * 64u + lid;
  if (i >= p.N * p.OH * p.OW * p.F) { return; }
  let f = i % p.F; let o = i / p.F;
  let ow = o % p.OW; let q = o / p.OW;
  let oh = q % p.OH; let n = q / p.OH;
  var sum = 0.0;
  for (var kh = 0u; kh < p.KH; kh++) {
    let ih = i32(oh * p.sH + kh) - i32(p.padT);
    if (ih < 0 || ih >= i32(p.H)) { continue; }
    var row = 0.0;
    for (var kw = 0u; kw < p.KW; kw++) {
      let iw = i32(ow * p.sW + kw) - i32(p.padL);
      if (iw < 0 || iw >= i32(p.W)) { continue; }
      row += t[((n * p.H + u32(ih)) * p.W + u32(iw)) * p.ld + (kh * p.KW + kw) * p.F + f];
    }
    sum += row;
  }
  if (HAS_BIAS) { sum += bias[f]; }
  dst[i] = act(sum);
}

@compute @workgroup_size(64)
fn scatter_taps(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * p.groups_x) * 64u + lid;
  if (i >= p.N * p.H * p.W * p.C) { return; }
  let c = i % p.C; let q = i / p.C;
  let iw = q % p.W; let r = q / p.W;
  let ih = r % p.H; let n = r / p.H;
  var sum = 0.0;
  for (var kh = 0u; kh < p.KH; kh++) {
    if (ih + p.padT < kh) { continue; }
    let dh = ih + p.padT - kh;
    if (dh % p.sH != 0u || dh / p.sH >= p.OH) { continue; }
    var row = 0.0;
    for (var kw = 0u; kw < p.KW; kw++) {
      if (iw + p.padL < kw) { continue; }
      let dw = iw + p.padL - kw;
      if (dw % p.sW != 0u || dw / p.sW >= p.OW) { continue; }
      row += t[((n * p.OH + dh / p.sH) * p.OW + dw / p.sW) * p.ld + (kh * p.KW + kw) * p.C + c];
    }
    sum += row;
  }
  if (HAS_BIAS) { sum += bias[c]; }
  dst[i] = sum;
}
