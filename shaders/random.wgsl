// Seeded counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel
// random numbers: as easy as 1, 2, 3", SC 2011), the generator of cuRAND, JAX and PyTorch.
// Each output block is a pure function of (seed, stream, step, block), so a run is
// reproducible from its seed and resumable from its step with no generator state.
//
//   key     = (seed, stream)
//   counter = (step, block, 0, 0)    block = i / 4: one Philox call yields outputs 4b..4b+3
//
// normal:      out[i] = mean + std * z_i, z from Box-Muller on word pairs (w0, w1), (w2, w3):
//              u = ((w0 >> 8) + 1) * 2^-24 in (0, 1] (log never sees 0), v = (w1 >> 8) * 2^-24,
//              r = sqrt(-2 ln u), theta = 2 pi v - pi in [-pi, pi), z_4b = r cos(theta),
//              z_4b+1 = r sin(theta); likewise w2, w3 for 4b+2, 4b+3. ln, cos and sin are our
//              own few-ulp polynomials (see ln_accurate), not the loosely specified builtins.
// uniform_int: out_u32[i] = high 32 bits of w_(i mod 4) * n, in [0, n) (multiply-shift: bias
//              below n / 2^32, 1.4e-5 for n = 60000).
// Both overwrite out. The step is read on the GPU from a 1-element f32 tensor (exact to 2^24),
// so a prepared kernel needs no host write per training iteration.
//
// Thread mapping: one thread per block of 4 outputs, 256 per workgroup, grid folded into x and
// y; the last block of an n not divisible by 4 writes only its first n mod 4 outputs.
// WGSL has no u64: 32x32 -> 64-bit products are built from 16-bit halves.

struct Params {
  seed: u32,
  stream: u32,
  count: u32, // number of outputs
  mean: f32,
  stddev: f32,
  n: u32,     // uniform_int range
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<f32>;
// normal and uniform_int never run in one pipeline, so their outputs share binding 2.
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> out_u32: array<u32>;

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u;
const PHILOX_W1: u32 = 0xBB67AE85u;

// (high, low) words of the 64-bit product a * b. The middle sum stays below 3 * 2^16.
fn mulhilo(a: u32, b: u32) -> vec2u {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
  return vec2u(hi, a * b);
}

fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) {
      k = k + vec2u(PHILOX_W0, PHILOX_W1);
    }
    let p0 = mulhilo(PHILOX_M0, c.x);
    let p1 = mulhilo(PHILOX_M1, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}

fn block_words(block: u32) -> vec4u {
  let t = u32(step[0]);
  return philox4x32_10(vec4u(t, block, 0u, 0u), vec2u(params.seed, params.stream));
}

const TWO_POW_M24: f32 = 5.9604644775390625e-8;
const TWO_PI: f32 = 6.2831853071795865;
// ln 2 split so that e * LN2_HI is exact for |e| < 2^8.
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.4286068202862268e-6;

// The builtins are not used here: WGSL lets cos and sin be off by 2^-11 absolute (SwiftShader
// measured 1.4e-4) and log by 2^-21 absolute near 1, which moves a normal by up to 1e-3.
// These few-ulp versions make the draws agree with the CPU twin, and nearly across GPUs.

// ln x for a normal f32 x > 0: x = 2^e m with m in (sqrt(1/2), sqrt(2)], f = m - 1 exactly,
// ln m = 2 atanh(s) with s = f / (2 + f), |s| <= 0.172, series to s^11 (next term < 1e-10).
fn ln_accurate(x: f32) -> f32 {
  let bits = bitcast<u32>(x);
  var e = i32((bits >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((bits & 0x7fffffu) | 0x3f800000u);
  if (m > 1.41421356) {
    m = m * 0.5;
    e = e + 1;
  }
  let f = m - 1.0;
  let s = f / (2.0 + f);
  let z = s * s;
  let series = 1.0 + z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z * (1.0 / 11.0)))));
  let fe = f32(e);
  return fe * LN2_HI + (2.0 * s * series + fe * LN2_LO);
}

// (cos 2 pi t, sin 2 pi t) for t in [-1/2, 1/2]. The reduction by quarter turns is exact
// (t is a multiple of 2^-24), leaving x = 2 pi r in [-pi/4, pi/4] for Taylor polynomials
// whose first dropped terms are below 2e-9.
fn cos_sin_turns(t: f32) -> vec2f {
  let q = round(4.0 * t);
  let r = t - 0.25 * q;
  let x = TWO_PI * r;
  let x2 = x * x;
  let s = x + x * x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362880.0))));
  let c = 1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0 + x2 * (-1.0 / 3628800.0)))));
  switch (i32(q) & 3) {
    case 0: { return vec2f(c, s); }
    case 1: { return vec2f(-s, c); }
    case 2: { return vec2f(-c, -s); }
    default: { return vec2f(s, -c); }
  }
}

// Two standard normals from two words; theta = 2 pi (v - 1/2) = 2 pi v - pi.
fn box_muller(wa: u32, wb: u32) -> vec2f {
  let u = f32((wa >> 8u) + 1u) * TWO_POW_M24;
  let v = f32(wb >> 8u) * TWO_POW_M24;
  let r = sqrt(-2.0 * ln_accurate(u));
  return r * cos_sin_turns(v - 0.5);
}

fn block_index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn normal(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = block_index(wid, nwg, lid);
  let first = b * 4u;
  if (first >= params.count) { return; }
  let w = block_words(b);
  let z01 = box_muller(w.x, w.y);
  let z23 = box_muller(w.z, w.w);
  let z = array<f32, 4>(z01.x, z01.y, z23.x, z23.y);
  for (var j = 0u; j < 4u; j++) {
    if (first + j < params.count) {
      out[first + j] = params.mean + params.stddev * z[j];
    }
  }
}

@compute @workgroup_size(256)
fn uniform_int(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = block_index(wid, nwg, lid);
  let first = b * 4u;
  if (first >= params.count) { return; }
  let w = block_words(b);
  for (var j = 0u; j < 4u; j++) {
    if (first + j < params.count) {
      out_u32[first + j] = mulhilo(w[j], params.n).x;
    }
  }
}
