// Reductions over all but the last axis.
//
// split_sum:   out[i] = sum_s x[s, i], x viewed as [M, C] = [splits, C]: adds up the partial sums
//              of a split-K GEMM (conv2d.wgsl's backward_filter) in the order s = 0, 1, ...
//              Overwrites out. One thread per i (neighbouring threads, neighbouring addresses),
//              256 per workgroup, grid ceil(C / 256) folded into x and y.
//
// channel_sum: out[c] = sum_m x[m, c], x viewed as [M, C] (row-major, c fastest): the bias
//              gradient of Conv2D, Conv2DTranspose and Dense. Overwrites out.
//
// Thread mapping: a workgroup of 256 threads owns CW adjacent columns (CW override, a power of
// two from 1 to 256): thread lid reads column lid % CW, so neighbouring threads read neighbouring
// addresses, and sums rows lid / CW, + 256/CW, ... sequentially in f32; the 256/CW partial sums
// per column are then added pairwise in workgroup memory. Grid: ceil(C / CW) workgroups, folded
// into x and y. No atomics, so the result is deterministic.

override CW: u32 = 16u;

struct Params {
  M: u32,
  C: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn channel_sum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let lanes = 256u / CW;
  let c = (wid.x + wid.y * nwg.x) * CW + lid % CW;
  var s = 0.0;
  if (c < p.C) {
    for (var m = lid / CW; m < p.M; m += lanes) { s += x[m * p.C + c]; }
  }
  partial[lid] = s;
  workgroupBarrier();
  // Partners lid and lid + half hold the same column, since half is a multiple of CW.
  for (var half = 128u; half >= CW; half >>= 1u) {
    if (lid < half) { partial[lid] += partial[lid + half]; }
    workgroupBarrier();
  }
  if (lid < CW && c < p.C) { out[c] = partial[lid]; }
}

@compute @workgroup_size(256)
fn split_sum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= p.C) { return; }
  var s = x[i];
  for (var m = 1u; m < p.M; m++) { s += x[m * p.C + i]; }
  out[i] = s;
}
