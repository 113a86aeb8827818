// Builds a batch of real images on the GPU from the whole MNIST training set, which stays
// resident as raw bytes (4 pixels per u32, little-endian: 47 MB instead of 188 MB as f32).
//
// gather_batch: out[b, p] = (pixel(index[b], p) - 127.5) / 127.5    overwrites out
//   images: the IDX pixel bytes, image i at byte offset i * pixels
//   index:  u32 image numbers (drawn by random.wgsl's uniform_int, with replacement)
//   out:    [batch, 28, 28, 1] NHWC, scaled to [-1, 1] as the tutorial does
// Thread mapping: one thread per output value, 256 per workgroup, grid folded into x and y.

struct Params {
  batch: u32,
  pixels: u32,
  count: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> images: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn gather_batch(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= params.batch * params.pixels) { return; }
  let b = i / params.pixels;
  let p = i % params.pixels;
  // An index past the data set (never drawn by uniform_int) reads image 0 rather than
  // out-of-bounds memory.
  let image = select(0u, index[b], index[b] < params.count);
  let byte = image * params.pixels + p;
  let value = (images[byte / 4u] >> (8u * (byte % 4u))) & 0xffu;
  out[i] = (f32(value) - 127.5) / 127.5;
}
