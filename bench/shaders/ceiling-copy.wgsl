// The benchmark's bandwidth ceiling: a streaming copy, dst[i] = src[i] over n vec4<f32>
// (16 bytes read and 16 written per element); overwrites dst. Not part of the model.
// One vec4 per thread, 256 threads per workgroup; the 1-D grid is folded into x and y
// (kernel.ts grid1d), so the linear index is wid.x + wid.y * num_workgroups.x and is
// bounds-checked.

struct Params { n: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256)
fn copy(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i < p.n) {
    dst[i] = src[i];
  }
}
