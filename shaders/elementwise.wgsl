// Elementwise helpers for the autodiff layer.
//
// add_into: acc[i] += src[i]    accumulates into acc (a tensor that feeds two consumers
//                               receives the sum of both gradients)
// Thread mapping: one thread per element, 256 per workgroup, grid folded into x and y.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> acc: array<f32>;

@compute @workgroup_size(256)
fn add_into(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= params.n) { return; }
  acc[i] = acc[i] + src[i];
}
