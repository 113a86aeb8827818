// Softmax cross-entropy against integer class labels, forward and backward in one dispatch
// (the loss of the MNIST judge, src/lsgan/judge-model.ts; Keras'
// SparseCategoricalCrossentropy(from_logits=True) with its default mean over the batch).
//
// forward_backward: loss[slot] = (1/N) sum_n ( log sum_k exp(z[n,k]) - z[n, label[n]] )
//                                                             overwrites loss[slot] only
//                   dz[n,k]    = (softmax(z[n])_k - [k == label[n]]) / N      overwrites dz
// z: logits [N, K] row-major; label: N u32 class numbers (the tensor's words hold u32).
// A label outside [0, K) makes the loss NaN, so a bad label set is never silently trained on.
// `slot` places the loss in a small buffer that holds several (as mse.wgsl does).
//
// Thread mapping: one workgroup of 256 threads. Thread l handles rows n = l, l + 256, ...
// (any N >= 1): the log-sum-exp of the row with its maximum subtracted first (no overflow at
// logits of +-1000), then its K gradients; its partial loss sum is then added up by a tree
// reduction in workgroup memory and thread 0 writes the mean. f32 throughout: K is the number
// of classes (10) and N a batch (at most a few hundred rows).

struct Params {
  n: u32,
  k: u32,
  slot: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> label: array<u32>;
@group(0) @binding(3) var<storage, read_write> dz: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;

const WG: u32 = 256u;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn forward_backward(@builtin(local_invocation_index) lid: u32) {
  let n = params.n;
  let k = params.k;
  let inv_n = 1.0 / f32(n);
  var sum = 0.0;
  for (var row = lid; row < n; row += WG) {
    let base = row * k;
    var m = z[base];
    for (var j = 1u; j < k; j++) {
      m = max(m, z[base + j]);
    }
    var e = 0.0;
    for (var j = 0u; j < k; j++) {
      e += exp(z[base + j] - m);
    }
    let y = label[row];
    let lse = m + log(e);
    // A quiet NaN's bits, made from the label at run time (a NaN constant is a WGSL error).
    let nan = bitcast<f32>(0x7fc00000u | (y & 0xffu));
    let picked = select(nan, z[base + min(y, k - 1u)], y < k);
    sum += lse - picked;
    for (var j = 0u; j < k; j++) {
      let p = exp(z[base + j] - lse);
      dz[base + j] = (p - select(0.0, 1.0, j == y)) * inv_n;
    }
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
    loss[params.slot] = partial[0] * inv_n;
  }
}
