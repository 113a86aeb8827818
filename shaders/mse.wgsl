// Mean squared error against a constant target, forward and backward in one dispatch.
//
// forward_backward: loss[slot] = mean_i (y[i] - t)^2      overwrites loss[slot] only
//                   dy[i]      = 2 (y[i] - t) / N          overwrites dy
// y is the discriminator's [N, 1] output read as N values; t is 1.0 (real) or 0.0 (fake).
// `slot` lets the three losses of a training iteration land in one small buffer that is
// read back once.
//
// Thread mapping: one workgroup of 256 threads. Thread l handles i = l, l + 256, ... (any
// N >= 1), keeps its partial sum of squares, then a tree reduction in workgroup memory;
// thread 0 writes the loss. The sum runs in f32 (N is the batch, at most a few hundred).

struct Params {
  n: u32,
  target_value: f32,
  slot: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;

const WG: u32 = 256u;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn forward_backward(@builtin(local_invocation_index) lid: u32) {
  let n = params.n;
  var sum = 0.0;
  for (var i = lid; i < n; i += WG) {
    let d = y[i] - params.target_value;
    sum += d * d;
    dy[i] = 2.0 * d / f32(n);
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      partial[lid] += partial[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    loss[params.slot] = partial[0] / f32(n);
  }
}
