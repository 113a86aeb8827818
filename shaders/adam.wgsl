// Adam as Keras 2.4 (tf.keras optimizer_v2) computes it, with the step count on the GPU so a
// training iteration with several optimizer steps is one submit with no host writes.
//
// tick:   step[0] += 1                        one thread; runs before the updates of one
//                                             optimizer step. The step is f32, exact to 2^24.
// update: with t = step[0] (1-based),         one thread per element, in place on w, m, v
//         lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
//         m = beta1 m + (1 - beta1) g
//         v = beta2 v + (1 - beta2) g^2
//         w -= lr_t m / (sqrt(v) + epsilon)
// epsilon is Keras' (1e-7), added to sqrt(v) without bias correction.
//
// Bias correction, held to Keras' formula in f64. WGSL's pow is only good to ~2^-21 absolute
// near 1, and 1 - pow(0.999, t) cancels three digits: lr_t came out 6e-5 too long at t = 1 on
// lavapipe, 3e-5 on SwiftShader. (TensorFlow's f32 powf is exact at t = 1; from t = 2 on its
// rounding, amplified by the same cancellation, leaves up to ~1.5e-5 in 1 - beta2^t.) So
// 1 - beta^t = -expm1(t ln beta) is computed here from +, *, round and ldexp alone (all
// correctly rounded or exact in WGSL), never from pow, exp or log:
//   x = t * ln_beta, with ln_beta = ln(beta) taken in f64 on the host (Params), so x carries
//     at most 2 ulp of relative error; 1 - e^x has condition number |x| e^x / (1 - e^x) <= 1
//     for x <= 0, so that is at most 2 ulp in the result;
//   |x| <= 0.36: -expm1(x) by its Taylor series to x^8 / 8! in Horner form (truncation below
//     1e-9 relative, rounding about 2.5 ulp);
//   -88 <= x < -0.36: x = k ln2 + r with k = round(x / ln2) in [-127, -1] and |r| <= 0.36
//     (Cody-Waite: ln2 in two parts, k * LN2_HI exact), 1 - e^x = (1 - 2^k) - 2^k expm1(r):
//     1 - 2^k is exact for k >= -24 and the result is >= 0.29, about 3 ulp;
//   x < -88: e^x < 2^-126, the result is 1.
// Bound: |error of 1 - beta^t| <= 6 ulp (3.6e-7) relative for every t >= 1 and beta in [0, 1),
// given correctly rounded f32 +, -, *. lr_t adds its sqrt and division (WGSL allows 4.5 and
// 2.5 ulp; both CPU adapters round them correctly), so lr_t is within ~1e-6 relative at worst,
// ~4e-7 on the adapters tested (tests/helpers/adam-keras.ts: the move vs Keras in f64).
//
// Thread mapping (update): 256 per workgroup, grid folded into x and y.
// step sits at binding 0 in both entry points (read_write, update only reads it) so each
// pipeline's bindings are numbered from 0.

struct Params {
  n: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  epsilon: f32,
  ln_beta1: f32, // ln(beta1) in f64, rounded to f32; -1000 stands for ln(0)
  ln_beta2: f32,
}

@group(0) @binding(0) var<storage, read_write> step: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

const LN2_HI: f32 = 0.693359375;       // 355 / 512: 9 significant bits, so k * LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;    // ln 2 - LN2_HI
const INV_LN2: f32 = 1.44269504;

// e^r - 1 for |r| <= 0.36 (a little beyond ln2 / 2, for k rounded either way at the edge).
fn expm1_small(r: f32) -> f32 {
  var p = 1.0 / 40320.0;
  p = 1.0 / 5040.0 + r * p;
  p = 1.0 / 720.0 + r * p;
  p = 1.0 / 120.0 + r * p;
  p = 1.0 / 24.0 + r * p;
  p = 1.0 / 6.0 + r * p;
  p = 0.5 + r * p;
  p = 1.0 + r * p;
  return r * p;
}

// 1 - e^(t ln_beta) = 1 - beta^t, for t >= 1 (see the header for the method and its bound).
fn one_minus_pow(ln_beta: f32, t: f32) -> f32 {
  let x = t * ln_beta;
  if (x >= -0.36) { return -expm1_small(x); }
  if (x < -88.0) { return 1.0; }
  let k = round(x * INV_LN2);
  let r = (x - k * LN2_HI) - k * LN2_LO;
  let ki = i32(k);
  return (1.0 - ldexp(1.0, ki)) - ldexp(expm1_small(r), ki);
}

@compute @workgroup_size(1)
fn tick() {
  step[0] = step[0] + 1.0;
}

@compute @workgroup_size(256)
fn update(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= params.n) { return; }
  let t = step[0];
  let lr_t = params.lr * sqrt(one_minus_pow(params.ln_beta2, t)) / one_minus_pow(params.ln_beta1, t);
  let gi = g[i];
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * gi;
  let vi = params.beta2 * v[i] + (1.0 - params.beta2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  w[i] = w[i] - lr_t * mi / (sqrt(vi) + params.epsilon);
}
