// Prelude of gemm-cpu.wgsl for adapters whose subgroups are 8 invocations, exactly the GEMM's
// workgroup (lavapipe): a lane loads its part of the tile's rows and the others read it with a
// shuffle from a constant lane. subgroupShuffle, not subgroupBroadcast: on lavapipe a shuffle
// is one AVX2 permute per component, while a broadcast inside a loop first looks for the first
// active lane and extracts at a variable index (measured: 14 against 10 GFLOP/s with buffers).
enable subgroups;

const SHUFFLE = true;

fn share4(v: vec4f, src_lane: u32) -> vec4f {
  return subgroupShuffle(v, src_lane);
}

fn share1(v: f32, src_lane: u32) -> f32 {
  return subgroupShuffle(v, src_lane);
}
