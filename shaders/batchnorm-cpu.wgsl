// The cpu family's BatchNormalization (the gpu family is batchnorm.wgsl, whose header gives the
// math; the results are the same up to f32 rounding). For CPU implementations of WebGPU, where a
// barrier costs ~100 ns and a workgroup-memory read ~50 ns: no workgroup memory, no barriers.
// Every tensor is read as vec4 along the channels (C % 4 == 0; the launcher falls back to the gpu
// family otherwise), x viewed as [M, C4] vec4s, per-channel tensors as [C4], stats [2, C4]
// (mean, inv_std), and the shape is baked in as override constants (a division by a run-time
// value is 8 scalar divisions per SIMD instruction on lavapipe).
//
// Reductions in two dispatches, in a fixed order (deterministic):
//   stats_partial     block b of BLOCK rows (the last one shorter), channels c4, of the data
//                     shifted by its first row, u = x - x[0] (so the block means keep their digits
//                     when |mean| >> std): the block's mean of u and
//                     M2 = sum (u - mean_b)^2 - (sum (u - mean_b))^2 / n_b (two passes over the
//                     block, the second corrected for the rounding of mean_b); part [BLOCKS, 2, C4]
//   stats_finalize    Chan's merge of the blocks: mean = x[0] + sum n_b mean_b / M,
//                     var = sum (M2_b + n_b (mean_b - mean_u)^2) / M (biased); stats and the moving
//                     averages as batchnorm.wgsl:stats (moving_var from var * VAR_FACTOR)
//   backward_partial  per block: sum g and sum g * (x - mean), g = dy * act'(y); part [BLOCKS, 2, C4]
//   backward_finalize dbeta = sum_b, dgamma = inv_std * sum_b                overwrites both
// Elementwise (apply, apply_inference, backward_input, as batchnorm.wgsl): one invocation per
// channel vec4 and RPI consecutive rows, so the per-channel vectors are loaded once per RPI rows.
// Grids: one invocation per (block or row group, c4), 64 per workgroup, folded into x and y.

override M: u32;
override C4: u32;
override BLOCK: u32 = 256u;
override BLOCKS: u32 = 1u;
override RPI: u32 = 8u;
override GROUPS_X: u32;
override ACT: u32 = 0u;
override ALPHA: f32 = 0.2;
override EPS: f32 = 0.001;
override MOMENTUM: f32 = 0.99;
override VAR_FACTOR: f32 = 1.0;

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
// stats_partial
@group(0) @binding(1) var<storage, read_write> part_out: array<vec4f>;
// stats_finalize (part at 0), backward_finalize
@group(0) @binding(0) var<storage, read> part: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> stats_out: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> moving_mean: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> moving_var: array<vec4f>;
@group(0) @binding(4) var<storage, read> x_first: array<vec4f>;  // x, for the shift x[0]
// apply, backward_partial, backward_input
@group(0) @binding(1) var<storage, read> stats: array<vec4f>;
// apply
@group(0) @binding(2) var<storage, read> gamma: array<vec4f>;
@group(0) @binding(3) var<storage, read> beta: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> y_out: array<vec4f>;
// apply_inference
@group(0) @binding(1) var<storage, read> mm_in: array<vec4f>;
@group(0) @binding(2) var<storage, read> mv_in: array<vec4f>;
@group(0) @binding(3) var<storage, read> gamma_inf: array<vec4f>;
@group(0) @binding(4) var<storage, read> beta_inf: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> y_inf: array<vec4f>;
// backward_partial, backward_input
@group(0) @binding(2) var<storage, read> y: array<vec4f>;
@group(0) @binding(3) var<storage, read> dy: array<vec4f>;
// backward_partial
@group(0) @binding(4) var<storage, read_write> bpart_out: array<vec4f>;
// backward_finalize (part at 0, stats at 1)
@group(0) @binding(2) var<storage, read_write> dgamma_out: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dbeta_out: array<vec4f>;
// backward_input
@group(0) @binding(4) var<storage, read> dgamma: array<vec4f>;
@group(0) @binding(5) var<storage, read> dbeta: array<vec4f>;
@group(0) @binding(6) var<storage, read> gamma_bwd: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> dx: array<vec4f>;

fn act(z: vec4f) -> vec4f {
  switch ACT {
    case 1u: { return max(z, vec4f(0.0)); }
    case 2u: { return select(ALPHA * z, z, z > vec4f(0.0)); }
    default: { return z; }
  }
}

// dy * act'(pre-activation) at vec4 i, with act' read off the output y.
fn grad(i: u32) -> vec4f {
  switch ACT {
    case 1u: { return select(vec4f(0.0), dy[i], y[i] > vec4f(0.0)); }
    case 2u: { return select(ALPHA * dy[i], dy[i], y[i] > vec4f(0.0)); }
    default: { return dy[i]; }
  }
}

fn invocation(wid: vec3u, lid: u32) -> u32 {
  return (wid.x + wid.y * GROUPS_X) * 64u + lid;
}

// Rows [r0, r1) of block b.
fn block_rows(b: u32) -> vec2u {
  return vec2u(b * BLOCK, min(M, (b + 1u) * BLOCK));
}

@compute @workgroup_size(64)
fn stats_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = invocation(wid, lid);
  if (i >= BLOCKS * C4) { return; }
  let c4 = i % C4; let b = i / C4;
  let rr = block_rows(b);
  let shift = x[c4];
  var s = vec4f(0.0);
  for (var r = rr.x; r < rr.y; r++) { s += x[r * C4 + c4] - shift; }
  let n = f32(rr.y - rr.x);
  let mean = s / n;
  var d1 = vec4f(0.0);
  var d2 = vec4f(0.0);
  for (var r = rr.x; r < rr.y; r++) {
    let d = (x[r * C4 + c4] - shift) - mean;
    d1 += d;
    d2 += d * d;
  }
  part_out[(2u * b) * C4 + c4] = mean + d1 / n;
  part_out[(2u * b + 1u) * C4 + c4] = max(d2 - d1 * d1 / n, vec4f(0.0));
}

@compute @workgroup_size(64)
fn stats_finalize(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c4 = invocation(wid, lid);
  if (c4 >= C4) { return; }
  var s = vec4f(0.0);
  for (var b = 0u; b < BLOCKS; b++) {
    let rr = block_rows(b);
    s += f32(rr.y - rr.x) * part[(2u * b) * C4 + c4];
  }
  let mean_u = s / f32(M);
  var m2 = vec4f(0.0);
  for (var b = 0u; b < BLOCKS; b++) {
    let rr = block_rows(b);
    let d = part[(2u * b) * C4 + c4] - mean_u;
    m2 += part[(2u * b + 1u) * C4 + c4] + f32(rr.y - rr.x) * d * d;
  }
  let mean = x_first[c4] + mean_u;
  let variance = m2 / f32(M);
  stats_out[c4] = mean;
  stats_out[C4 + c4] = 1.0 / sqrt(variance + EPS);
  moving_mean[c4] = moving_mean[c4] * MOMENTUM + mean * (1.0 - MOMENTUM);
  moving_var[c4] = moving_var[c4] * MOMENTUM + variance * VAR_FACTOR * (1.0 - MOMENTUM);
}

@compute @workgroup_size(64)
fn apply(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = invocation(wid, lid);
  let groups = (M + RPI - 1u) / RPI;
  if (i >= groups * C4) { return; }
  let c4 = i % C4; let r0 = (i / C4) * RPI;
  let g = gamma[c4]; let bt = beta[c4]; let mu = stats[c4]; let s = stats[C4 + c4];
  for (var r = r0; r < min(M, r0 + RPI); r++) {
    let j = r * C4 + c4;
    y_out[j] = act(g * ((x[j] - mu) * s) + bt);
  }
}

@compute @workgroup_size(64)
fn apply_inference(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = invocation(wid, lid);
  let groups = (M + RPI - 1u) / RPI;
  if (i >= groups * C4) { return; }
  let c4 = i % C4; let r0 = (i / C4) * RPI;
  let g = gamma_inf[c4]; let bt = beta_inf[c4]; let mu = mm_in[c4];
  let s = 1.0 / sqrt(mv_in[c4] + EPS);
  for (var r = r0; r < min(M, r0 + RPI); r++) {
    let j = r * C4 + c4;
    y_inf[j] = act(g * ((x[j] - mu) * s) + bt);
  }
}

@compute @workgroup_size(64)
fn backward_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = invocation(wid, lid);
  if (i >= BLOCKS * C4) { return; }
  let c4 = i % C4; let b = i / C4;
  let rr = block_rows(b);
  let mu = stats[c4];
  var gs = vec4f(0.0);
  var gd = vec4f(0.0);
  for (var r = rr.x; r < rr.y; r++) {
    let j = r * C4 + c4;
    let gj = grad(j);
    gs += gj;
    gd += gj * (x[j] - mu);
  }
  bpart_out[(2u * b) * C4 + c4] = gs;
  bpart_out[(2u * b + 1u) * C4 + c4] = gd;
}

@compute @workgroup_size(64)
fn backward_finalize(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c4 = invocation(wid, lid);
  if (c4 >= C4) { return; }
  var gs = vec4f(0.0);
  var gd = vec4f(0.0);
  for (var b = 0u; b < BLOCKS; b++) {
    gs += part[(2u * b) * C4 + c4];
    gd += part[(2u * b + 1u) * C4 + c4];
  }
  dbeta_out[c4] = gs;
  dgamma_out[c4] = gd * stats[C4 + c4];
}

@compute @workgroup_size(64)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = invocation(wid, lid);
  let groups = (M + RPI - 1u) / RPI;
  if (i >= groups * C4) { return; }
  let c4 = i % C4; let r0 = (i / C4) * RPI;
  let mu = stats[c4]; let s = stats[C4 + c4];
  let fm = f32(M);
  let k = gamma_bwd[c4] * s / fm;
  let db = dbeta[c4]; let dg = dgamma[c4];
  for (var r = r0; r < min(M, r0 + RPI); r++) {
    let j = r * C4 + c4;
    let xhat = (x[j] - mu) * s;
    dx[j] = k * (fm * grad(j) - db - xhat * dg);
  }
}
