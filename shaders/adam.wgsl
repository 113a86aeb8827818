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
// lr_t is computed in f32 with pow, as TensorFlow does for float32 variables. epsilon is
// Keras' (1e-7), added to sqrt(v) without bias correction.
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
}

@group(0) @binding(0) var<storage, read_write> step: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(1)
fn tick() {
  step[0] = step[0] + 1.0;
}

@compute @workgroup_size(256)
fn update(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= params.n) { return; }
  let t = step[0];
  let lr_t = params.lr * sqrt(1.0 - pow(params.beta2, t)) / (1.0 - pow(params.beta1, t));
  let gi = g[i];
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * gi;
  let vi = params.beta2 * v[i] + (1.0 - params.beta2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  w[i] = w[i] - lr_t * mi / (sqrt(vi) + params.epsilon);
}
