// The cpu family's channel_sum (the gpu family is reduce.wgsl): out[c] = sum over the rows of
// x [M, C], the bias gradient, with no workgroup memory or barriers (see batchnorm-cpu.wgsl for
// why), channels read as vec4 (C % 4 == 0; the launcher falls back to reduce.wgsl otherwise).
//   sum_partial:  block b of BLOCK rows (the last one shorter), channels c4 -> part[b, c4]
//   sum_finalize: out[c4] = sum over b in order (deterministic); overwrites out
// One invocation per (block, c4), then per c4; 64 per workgroup, grid folded into x and y.

override M: u32;
override C4: u32;
override BLOCK: u32;
override BLOCKS: u32;
override GROUPS_X: u32;

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> part_out: array<vec4f>;
@group(0) @binding(0) var<storage, read> part: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> out: array<vec4f>;

@compute @workgroup_size(64)
fn sum_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * GROUPS_X) * 64u + lid;
  if (i >= BLOCKS * C4) { return; }
  let c4 = i % C4; let b = i / C4;
  var s = vec4f(0.0);
  for (var r = b * BLOCK; r < min(M, (b + 1u) * BLOCK); r++) { s += x[r * C4 + c4]; }
  part_out[b * C4 + c4] = s;
}

@compute @workgroup_size(64)
fn sum_finalize(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c4 = (wid.x + wid.y * GROUPS_X) * 64u + lid;
  if (c4 >= C4) { return; }
  var s = vec4f(0.0);
  for (var b = 0u; b < BLOCKS; b++) { s += part[b * C4 + c4]; }
  out[c4] = s;
}
