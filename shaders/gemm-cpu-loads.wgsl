// Prelude of gemm-cpu.wgsl without usable subgroups (no 'subgroups' feature, or subgroups of
// another size than the 8-invocation workgroup, as on SwiftShader): with SHUFFLE false every
// lane loads each row of the tile itself (the same vec4 in all lanes, 8 times the A loads), from
// a packed A only (AMODE 0; the launcher never asks for the gathering modes here), so the body
// never calls these two: WGSL needs them defined, and without subgroups there is nothing to share.
const SHUFFLE = false;

fn share4(v: vec4f, src_lane: u32) -> vec4f {
  return v;
}

fn share1(v: f32, src_lane: u32) -> f32 {
  return v;
}
