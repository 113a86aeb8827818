// Keras BatchNormalization over the last axis, with the activation that follows it fused in.
// x is viewed as [M, C] row-major: C = the last dimension (channels, or features after Dense),
// M = everything before it (N*H*W, or N). Per-channel tensors are [C]; the batch statistics are
// one [2, C] tensor stats: row 0 the batch mean, row 1 inv_std (stats[c], stats[C + c]).
//
// stats            mean[c] = sum_m x / M;  var[c] = sum_m (x - mean)^2 / M (biased, two passes:
//                  mean first, then squared deviations, with the rounding error of the mean
//                  taken out again as (sum_m (x - mean))^2 / M; never E[x^2] - E[x]^2, which
//                  cancels catastrophically when |mean| >> std);
//                  inv_std[c] = 1 / sqrt(var + eps).                 overwrites stats
//                  moving_mean = moving_mean * momentum + mean * (1 - momentum)
//                  moving_var  = moving_var * momentum + var * var_factor * (1 - momentum)
//                  (var_factor = M / (M - 1) after convolutions, 1 after Dense).
//                                                         read-modify-writes the moving stats
// apply            y = act(gamma * (x - mean) * inv_std + beta)      overwrites y
// apply_inference  y = act(gamma * (x - moving_mean) / sqrt(moving_var + eps) + beta)
//                                                                    overwrites y
// backward_reduce  g = dy * act'(y), xhat = (x - mean) * inv_std:
//                  dbeta[c] = sum_m g,  dgamma[c] = sum_m g * xhat    overwrites dgamma, dbeta
// backward_input   dx = gamma * inv_std / M * (M * g - dbeta - xhat * dgamma)   overwrites dx
//                  (the gradient through the batch mean and variance folded into the two
//                  per-channel sums, not mean and variance treated as independent inputs).
//
// act'(y) is taken from the activation's output: y > 0 exactly when its input is > 0; at 0 the
// left derivative (ReLU 0, LeakyReLU alpha), as TensorFlow defines it.
// ACT (override): 0 = linear, 1 = ReLU, 2 = LeakyReLU(alpha). For linear, y is never read.
//
// Thread mapping.
//   stats, backward_reduce: a workgroup of 256 covers CB adjacent channels (override, a power
//   of two dividing 256) with RL = 256 / CB row lanes; lane (r, c) strides over rows r, r+RL,
//   ..., four rows per iteration (independent accumulators), so adjacent invocations read
//   adjacent channels of one row (coalesced), then a tree reduction over the RL lanes in
//   workgroup memory. Few channels with many rows (12544 x 64)
//   take CB = 8 (32-byte row segments, 32 lanes); many channels with few rows (64 x 12544)
//   take CB = 64. One workgroup per channel block, grid folded into x and y.
//   apply, apply_inference, backward_input: one invocation per element, 256 per workgroup,
//   grid folded into x and y.
//
// Bindings: the launcher binds in order @binding(0), (1), ..., so every entry point uses
// bindings 0..k-1 without gaps; variables of different entry points share numbers.
// Storage buffers per entry point, within WebGPU's default limit of 8 (hence mean and inv_std
// packed into one stats tensor): stats 4, apply 5, apply_inference 6, backward_reduce 7,
// backward_input 8 (x, stats, y, dy, dgamma, dbeta, gamma, dx).

override ACT: u32 = 0u;
override CB: u32 = 8u;

const WG: u32 = 256u;

struct Params {
  m: u32,          // rows
  c: u32,          // channels
  n: u32,          // m * c
  eps: f32,
  momentum: f32,
  var_factor: f32, // applied to the biased variance before it enters moving_var
  alpha: f32,      // LeakyReLU slope
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;

// stats
@group(0) @binding(2) var<storage, read_write> stats_out: array<f32>;
@group(0) @binding(3) var<storage, read_write> moving_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> moving_var: array<f32>;

// apply, backward_reduce, backward_input: mean at [c], inv_std at [params.c + c]
@group(0) @binding(2) var<storage, read> stats_in: array<f32>;

// apply
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> y_out: array<f32>;

// apply_inference
@group(0) @binding(2) var<storage, read> moving_mean_in: array<f32>;
@group(0) @binding(3) var<storage, read> moving_var_in: array<f32>;
@group(0) @binding(4) var<storage, read> gamma_inf: array<f32>;
@group(0) @binding(5) var<storage, read> beta_inf: array<f32>;
@group(0) @binding(6) var<storage, read_write> y_inf_out: array<f32>;

// backward_reduce, backward_input
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;

// backward_reduce
@group(0) @binding(5) var<storage, read_write> dgamma_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbeta_out: array<f32>;

// backward_input
@group(0) @binding(5) var<storage, read> dgamma: array<f32>;
@group(0) @binding(6) var<storage, read> dbeta: array<f32>;
@group(0) @binding(7) var<storage, read> gamma_in: array<f32>;
@group(0) @binding(8) var<storage, read_write> dx: array<f32>;

var<workgroup> red_a: array<f32, WG>;
var<workgroup> red_b: array<f32, WG>;

fn act(z: f32) -> f32 {
  switch ACT {
    case 1u: { return max(z, 0.0); }
    case 2u: { return select(params.alpha * z, z, z > 0.0); }
    default: { return z; }
  }
}

// dy * act'(pre-activation), with act' read off the output y[i].
fn grad_pre_activation(i: u32) -> f32 {
  switch ACT {
    case 1u: { return select(0.0, dy[i], y[i] > 0.0); }
    case 2u: { return select(params.alpha * dy[i], dy[i], y[i] > 0.0); }
    default: { return dy[i]; }
  }
}

fn element_index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

// Tree reduction of red_a and red_b over the RL row lanes; afterwards red_a[c_lane] and
// red_b[c_lane] (row lane 0) hold the sums. Called by the whole workgroup (barriers).
fn reduce_rows(lid: u32) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride >= CB; stride = stride / 2u) {
    if (lid < stride) {
      red_a[lid] += red_a[lid + stride];
      red_b[lid] += red_b[lid + stride];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn stats(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane_c = lid % CB;
  let c = (wid.x + wid.y * nwg.x) * CB + lane_c;
  // Invocations past the last channel still take part in the barriers.
  let in_range = c < params.c;
  let m = params.m;
  let rl = WG / CB;
  let step = rl * params.c;
  let r0 = lid / CB;

  // Four rows in flight per lane: with few channels (8 workgroups for C = 64) the loads
  // each invocation keeps in flight are what bounds the bandwidth.
  var s = vec4f(0.0);
  if (in_range) {
    var r = r0;
    var i = r0 * params.c + c;
    for (; r + 3u * rl < m; r += 4u * rl) {
      s += vec4f(x[i], x[i + step], x[i + 2u * step], x[i + 3u * step]);
      i += 4u * step;
    }
    for (; r < m; r += rl) {
      s.x += x[i];
      i += step;
    }
  }
  red_a[lid] = (s.x + s.y) + (s.z + s.w);
  red_b[lid] = 0.0;
  reduce_rows(lid);
  let mu = red_a[lane_c] / f32(m);
  workgroupBarrier();

  var d1 = vec4f(0.0);
  var d2 = vec4f(0.0);
  if (in_range) {
    var r = r0;
    var i = r0 * params.c + c;
    for (; r + 3u * rl < m; r += 4u * rl) {
      let d = vec4f(x[i], x[i + step], x[i + 2u * step], x[i + 3u * step]) - mu;
      d1 += d;
      d2 += d * d;
      i += 4u * step;
    }
    for (; r < m; r += rl) {
      let d = x[i] - mu;
      d1.x += d;
      d2.x += d * d;
      i += step;
    }
  }
  red_a[lid] = (d1.x + d1.y) + (d1.z + d1.w);
  red_b[lid] = (d2.x + d2.y) + (d2.z + d2.w);
  reduce_rows(lid);

  if (in_range && lid < CB) {
    let fm = f32(m);
    let ds = red_a[lid];
    // ds is what the rounding of mu left over; removing ds^2/M is the corrected two-pass form.
    let variance = max((red_b[lid] - ds * ds / fm) / fm, 0.0);
    let batch_mean = mu + ds / fm;
    stats_out[c] = batch_mean;
    stats_out[params.c + c] = 1.0 / sqrt(variance + params.eps);
    let keep = params.momentum;
    let take = 1.0 - params.momentum;
    moving_mean[c] = moving_mean[c] * keep + batch_mean * take;
    moving_var[c] = moving_var[c] * keep + variance * params.var_factor * take;
  }
}

@compute @workgroup_size(256)
fn apply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = element_index(wid, nwg, lid);
  if (i >= params.n) { return; }
  let c = i % params.c;
  y_out[i] = act(gamma[c] * ((x[i] - stats_in[c]) * stats_in[params.c + c]) + beta[c]);
}

@compute @workgroup_size(256)
fn apply_inference(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = element_index(wid, nwg, lid);
  if (i >= params.n) { return; }
  let c = i % params.c;
  let s = 1.0 / sqrt(moving_var_in[c] + params.eps);
  y_inf_out[i] = act(gamma_inf[c] * ((x[i] - moving_mean_in[c]) * s) + beta_inf[c]);
}

@compute @workgroup_size(256)
fn backward_reduce(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lane_c = lid % CB;
  let c = (wid.x + wid.y * nwg.x) * CB + lane_c;
  let in_range = c < params.c;
  let m = params.m;
  let rl = WG / CB;
  let step = rl * params.c;
  let r0 = lid / CB;

  var gs = vec4f(0.0);
  var gds = vec4f(0.0);
  if (in_range) {
    let mu = stats_in[c];
    var r = r0;
    var i = r0 * params.c + c;
    for (; r + 3u * rl < m; r += 4u * rl) {
      let g = vec4f(grad_pre_activation(i), grad_pre_activation(i + step), grad_pre_activation(i + 2u * step), grad_pre_activation(i + 3u * step));
      let d = vec4f(x[i], x[i + step], x[i + 2u * step], x[i + 3u * step]) - mu;
      gs += g;
      gds += g * d;
      i += 4u * step;
    }
    for (; r < m; r += rl) {
      let g = grad_pre_activation(i);
      gs.x += g;
      gds.x += g * (x[i] - mu);
      i += step;
    }
  }
  red_a[lid] = (gs.x + gs.y) + (gs.z + gs.w);
  red_b[lid] = (gds.x + gds.y) + (gds.z + gds.w);
  reduce_rows(lid);

  if (in_range && lid < CB) {
    dbeta_out[c] = red_a[lid];
    dgamma_out[c] = red_b[lid] * stats_in[params.c + c];
  }
}

@compute @workgroup_size(256)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = element_index(wid, nwg, lid);
  if (i >= params.n) { return; }
  let c = i % params.c;
  let s = stats_in[params.c + c];
  let fm = f32(params.m);
  let xhat = (x[i] - stats_in[c]) * s;
  dx[i] = gamma_in[c] * s / fm * (fm * grad_pre_activation(i) - dbeta[c] - xhat * dgamma[c]);
}
