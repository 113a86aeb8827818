// The benchmark's FLOP/s ceiling: a tuned f32 matrix multiply, C = A . B, all row-major,
// A [M,K], B [K,N], C [M,N]; overwrites C. Not part of the model: it measures how fast this
// adapter multiplies matrices when nothing (gathers, odd shapes) gets in the way, so each
// kernel's GFLOP/s can be read as a fraction of it.
//
// M, N and K must be multiples of the tile (64 for tile64, 128 for tile128; the harness only
// asks for powers of two from 128), so there are no bounds checks. f32 accumulation.
// Operands are read as vec4 (4 consecutive columns); A is stored transposed in workgroup
// memory (as[k][m]) so a thread reads 4 rows of A and 4 columns of B as one vec4 each.
//
// tile64:  64x64 output tile, k-step 16, 256 threads (16x16), 4x4 outputs per thread:
//          thread (tx, ty) owns rows 4ty..4ty+3 and columns 4tx..4tx+3.
// tile128: 128x128 output tile, k-step 8, 256 threads (16x16), 8x8 outputs per thread:
//          rows 4ty..4ty+3 and 64+4ty..64+4ty+3, columns 4tx..4tx+3 and 64+4tx..64+4tx+3.
// Grid: (N / tile, M / tile, 1).

struct Params { M: u32, N: u32, K: u32, pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

// tile64: as64[k * 16 + m / 4][m % 4], bs64[k * 16 + n / 4]
var<workgroup> as64: array<vec4<f32>, 256>;
var<workgroup> bs64: array<vec4<f32>, 256>;

@compute @workgroup_size(16, 16)
fn tile64(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tx = lid.x;
  let ty = lid.y;
  let t = ty * 16u + tx;
  let m0 = wid.y * 64u;
  let n0 = wid.x * 64u;
  let k4 = p.K / 4u;
  let n4 = p.N / 4u;
  // Loads: A tile 64 rows x 4 vec4 (row = t / 4), B tile 16 rows x 16 vec4 (row = t / 16).
  let arow = t / 4u;
  let akv = t % 4u;
  let brow = t / 16u;
  let bnv = t % 16u;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < p.K; k0 += 16u) {
    let av = a[(m0 + arow) * k4 + k0 / 4u + akv];
    for (var j = 0u; j < 4u; j++) {
      as64[(akv * 4u + j) * 16u + arow / 4u][arow % 4u] = av[j];
    }
    bs64[brow * 16u + bnv] = b[(k0 + brow) * n4 + n0 / 4u + bnv];
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let ar = as64[kk * 16u + ty];
      let bv = bs64[kk * 16u + tx];
      acc[0] += ar.x * bv;
      acc[1] += ar.y * bv;
      acc[2] += ar.z * bv;
      acc[3] += ar.w * bv;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    c[(m0 + ty * 4u + i) * n4 + n0 / 4u + tx] = acc[i];
  }
}

// tile128: as128[k * 32 + m / 4][m % 4], bs128[k * 32 + n / 4]
var<workgroup> as128: array<vec4<f32>, 256>;
var<workgroup> bs128: array<vec4<f32>, 256>;

@compute @workgroup_size(16, 16)
fn tile128(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tx = lid.x;
  let ty = lid.y;
  let t = ty * 16u + tx;
  let m0 = wid.y * 128u;
  let n0 = wid.x * 128u;
  let k4 = p.K / 4u;
  let n4 = p.N / 4u;
  // Loads: A tile 128 rows x 2 vec4 (row = t / 2), B tile 8 rows x 32 vec4 (row = t / 32).
  let arow = t / 2u;
  let akv = t % 2u;
  let brow = t / 32u;
  let bnv = t % 32u;
  // acc[2 * r + h]: row r (r < 4: 4ty + r, else 64 + 4ty + r - 4), columns 4tx (h = 0) or 64 + 4tx (h = 1).
  var acc: array<vec4<f32>, 16>;
  for (var k0 = 0u; k0 < p.K; k0 += 8u) {
    let av = a[(m0 + arow) * k4 + k0 / 4u + akv];
    for (var j = 0u; j < 4u; j++) {
      as128[(akv * 4u + j) * 32u + arow / 4u][arow % 4u] = av[j];
    }
    bs128[brow * 32u + bnv] = b[(k0 + brow) * n4 + n0 / 4u + bnv];
    workgroupBarrier();
    for (var kk = 0u; kk < 8u; kk++) {
      let a0 = as128[kk * 32u + ty];
      let a1 = as128[kk * 32u + 16u + ty];
      let b0 = bs128[kk * 32u + tx];
      let b1 = bs128[kk * 32u + 16u + tx];
      acc[0] += a0.x * b0;
      acc[1] += a0.x * b1;
      acc[2] += a0.y * b0;
      acc[3] += a0.y * b1;
      acc[4] += a0.z * b0;
      acc[5] += a0.z * b1;
      acc[6] += a0.w * b0;
      acc[7] += a0.w * b1;
      acc[8] += a1.x * b0;
      acc[9] += a1.x * b1;
      acc[10] += a1.y * b0;
      acc[11] += a1.y * b1;
      acc[12] += a1.z * b0;
      acc[13] += a1.z * b1;
      acc[14] += a1.w * b0;
      acc[15] += a1.w * b1;
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 8u; r++) {
    let row = m0 + select(64u + ty * 4u + r - 4u, ty * 4u + r, r < 4u);
    c[row * n4 + n0 / 4u + tx] = acc[2u * r];
    c[row * n4 + n0 / 4u + 16u + tx] = acc[2u * r + 1u];
  }
}
