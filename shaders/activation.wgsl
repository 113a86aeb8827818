// Elementwise activations, forward and backward.
//
// forward:  y[i] = act(x[i])                 overwrites y
// backward: dx[i] = dy[i] * act'(y[i])       overwrites dx
//
// The backward pass reads the forward *output* y, not the input: for ReLU and LeakyReLU
// y > 0 exactly when x > 0, and tanh' = 1 - y^2, so the input need not be kept. At x == 0
// the derivative is the left one (ReLU 0, LeakyReLU alpha), as TensorFlow defines it.
//
// ACT (override): 0 = ReLU, 1 = LeakyReLU(alpha), 2 = tanh.
// Thread mapping: one thread per element, 256 per workgroup, grid folded into x and y.

override ACT: u32 = 0u;

struct Params {
  n: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;    // x (forward) or y (backward)
@group(0) @binding(2) var<storage, read_write> dst: array<f32>; // y (forward) or dx (backward)
@group(0) @binding(3) var<storage, read> dy: array<f32>;     // backward only

// tanh without overflow: exp(-2|x|) is in (0, 1], so +-300 gives exactly +-1.
fn safe_tanh(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn act(x: f32) -> f32 {
  switch ACT {
    case 0u: { return max(x, 0.0); }
    case 1u: { return select(params.alpha * x, x, x > 0.0); }
    default: { return safe_tanh(x); }
  }
}

fn act_grad_from_output(y: f32) -> f32 {
  switch ACT {
    case 0u: { return select(0.0, 1.0, y > 0.0); }
    case 1u: { return select(params.alpha, 1.0, y > 0.0); }
    default: { return 1.0 - y * y; }
  }
}

@compute @workgroup_size(256)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= params.n) { return; }
  dst[i] = act(src[i]);
}

@compute @workgroup_size(256)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= params.n) { return; }
  dst[i] = dy[i] * act_grad_from_output(src[i]);
}
