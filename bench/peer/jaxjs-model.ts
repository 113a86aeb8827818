// The jax-js peer's model (bench/peer/jaxjs-lsgan.ts holds the deviations from SPEC.md and the
// training loop): SPEC.md's discriminator and generator as functions of parameter pytrees,
// tf.keras's BatchNormalization, Keras's Adam, and the three jitted steps (D's update, the
// composite's, generator.predict). NCHW activations and OIHW kernels, as lax.convGeneralDilated
// takes them. Every function takes ownership of its arguments, as jax-js's own do (`.ref` where
// a value is used twice).

import { jit, lax, nn, numpy as np, random, tree, valueAndGrad, type JsTreeDef } from '@jax-js/jax';

export type Layer = { w: np.Array; b: np.Array };
export type Bn = { gamma: np.Array; beta: np.Array };
export type Stats = { mean: np.Array; var: np.Array };
/** D's conv and dense weights: frozen in the composite. */
export type DWeights = { c1: Layer; c2: Layer; out: Layer };
/** D's BatchNormalization gamma/beta: trained by D's Adam and by the composite's. */
export type DBn = { bn1: Bn; bn2: Bn };
export type DParams = { w: DWeights; bn: DBn };
export type DStats = { bn1: Stats; bn2: Stats };
export type GParams = { dense: Layer; bn0: Bn; ct1: Layer; bn1: Bn; ct2: Layer; bn2: Bn; out: Layer };
export type GStats = { bn0: Stats; bn1: Stats; bn2: Stats };
/** What the composite's Adam trains: all of G and D's BatchNormalization. */
export type GanParams = { g: GParams; dbn: DBn };
export type AdamState<P> = { m: P; v: P; t: np.Array };

const LR = 0.0002, B1 = 0.5, B2 = 0.999, EPS = 1e-7;
const BN_MOMENTUM = 0.99, BN_EPS = 1e-3;

// ---- layers (every function takes ownership of its arguments, as jax-js's own do) ----

const conv = (x: np.Array, l: Layer, stride: number) =>
  lax.convGeneralDilated(x, l.w, [stride, stride], 'SAME').add(l.b.reshape([1, -1, 1, 1]));
const convT = (x: np.Array, l: Layer) =>
  lax.convTranspose(x, l.w, [2, 2], 'SAME', { transposeKernel: true }).add(l.b.reshape([1, -1, 1, 1]));
const dense = (x: np.Array, l: Layer) => np.dot(x, l.w).add(l.b);

/** BatchNormalization; `train`: batch statistics and the moving averages' update (returned), else the moving statistics. */
function batchNorm(x: np.Array, p: Bn, s: Stats, train: boolean): [np.Array, Stats | null] {
  const spatial = x.ndim === 4;
  const axes = spatial ? [0, 2, 3] : [0];
  const bshape = spatial ? [1, -1, 1, 1] : [1, -1];
  const scale = (v: np.Array) => p.gamma.reshape(bshape).div(np.sqrt(v.add(BN_EPS)));
  if (!train) {
    const y = x.sub(s.mean.reshape(bshape)).mul(scale(s.var.reshape(bshape))).add(p.beta.reshape(bshape));
    return [y, null];
  }
  const n = axes.reduce((a, ax) => a * x.shape[ax], 1);
  const mean = np.mean(x.ref, axes, { keepdims: true });
  const xc = x.sub(mean.ref);
  const v = np.mean(np.square(xc.ref), axes, { keepdims: true });
  const y = xc.mul(scale(v.ref)).add(p.beta.reshape(bshape));
  // tf.keras: unbiased batch variance for the moving variance after a conv (fused path), biased after Dense.
  const bm = lax.stopGradient(mean).reshape([-1]);
  const bv = lax.stopGradient(v).reshape([-1]).mul(spatial ? n / (n - 1) : 1);
  return [y, { mean: s.mean.mul(BN_MOMENTUM).add(bm.mul(1 - BN_MOMENTUM)), var: s.var.mul(BN_MOMENTUM).add(bv.mul(1 - BN_MOMENTUM)) }];
}

function discriminator(w: DWeights, bn: DBn, s: DStats, x: np.Array): [np.Array, DStats] {
  const n = x.shape[0];
  const [h1, s1] = batchNorm(conv(x, w.c1, 2), bn.bn1, s.bn1, true);
  const [h2, s2] = batchNorm(conv(nn.leakyRelu(h1, 0.2), w.c2, 2), bn.bn2, s.bn2, true);
  return [dense(nn.leakyRelu(h2, 0.2).reshape([n, -1]), w.out), { bn1: s1!, bn2: s2! }];
}

function generator(p: GParams, s: GStats, z: np.Array, train: boolean): [np.Array, GStats | null] {
  const n = z.shape[0];
  const [h0, s0] = batchNorm(dense(z, p.dense), p.bn0, s.bn0, train);
  const [h1, s1] = batchNorm(convT(nn.relu(h0).reshape([n, 256, 7, 7]), p.ct1), p.bn1, s.bn1, train);
  const [h2, s2] = batchNorm(convT(nn.relu(h1), p.ct2), p.bn2, s.bn2, train);
  return [np.tanh(conv(nn.relu(h2), p.out, 1)), train ? { bn0: s0!, bn1: s1!, bn2: s2! } : null];
}

const mse = (out: np.Array, target: np.Array) => np.mean(np.square(out.sub(target)));

/** Keras's Adam on a pytree: m, v, then w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps). */
function adam<P extends object>(params: P, grads: P, st: AdamState<P>): [P, AdamState<P>] {
  const [ps, def] = tree.flatten(params as never) as [np.Array[], JsTreeDef];
  const gs = tree.leaves(grads as never) as np.Array[], ms = tree.leaves(st.m as never) as np.Array[], vs = tree.leaves(st.v as never) as np.Array[];
  const t = st.t.add(1);
  const lrT = np.sqrt(np.exp(t.ref.mul(Math.log(B2))).mul(-1).add(1)).mul(LR).div(np.exp(t.ref.mul(Math.log(B1))).mul(-1).add(1));
  const out = ps.map((p, i) => {
    const m = ms[i].mul(B1).add(gs[i].ref.mul(1 - B1));
    const v = vs[i].mul(B2).add(np.square(gs[i]).mul(1 - B2));
    return [p.sub(m.ref.div(np.sqrt(v.ref).add(EPS)).mul(lrT.ref)), m, v] as const;
  });
  lrT.dispose();
  const back = (k: 0 | 1 | 2) => tree.unflatten(def, out.map((o) => o[k])) as P;
  return [back(0), { m: back(1), v: back(2), t }];
}

// ---- the jitted steps ----

/** d_model.train_on_batch(x, target): every D weight trains, BatchNormalization in training mode. */
export const dUpdate = jit((dp: DParams, ds: DStats, opt: AdamState<DParams>, x: np.Array, target: np.Array) => {
  const [[loss, stats], grads] = valueAndGrad(
    (p: DParams) => {
      const [out, st] = discriminator(p.w, p.bn, ds, x);
      return [mse(out, target), st] as [np.Array, DStats];
    },
    { hasAux: true },
  )(tree.ref(dp));
  const [next, nextOpt] = adam(dp, grads, opt);
  return [next, stats, nextOpt, loss] as [DParams, DStats, AdamState<DParams>, np.Array];
});

/** gan.train_on_batch(z, 1): G and D's gamma/beta train, D's conv/dense weights are constants. */
export const ganUpdate = jit((tp: GanParams, gs: GStats, dw: DWeights, ds: DStats, opt: AdamState<GanParams>, key: np.Array, target: np.Array) => {
  const z = random.normal(key, [target.shape[0], tp.g.dense.w.shape[0]]);
  const [[loss, stats], grads] = valueAndGrad(
    (p: GanParams) => {
      const [img, gs2] = generator(p.g, gs, z, true);
      const [out, ds2] = discriminator(dw, p.dbn, ds, img);
      return [mse(out, target), [gs2!, ds2]] as [np.Array, [GStats, DStats]];
    },
    { hasAux: true },
  )(tree.ref(tp));
  const [next, nextOpt] = adam(tp, grads, opt);
  return [next, stats[0], stats[1], nextOpt, loss] as [GanParams, GStats, DStats, AdamState<GanParams>, np.Array];
});

/** generator.predict(z): inference mode (moving statistics). */
export const predict = jit((gp: GParams, gs: GStats, z: np.Array) => generator(gp, gs, z, false)[0]);

/** Keras's initial state: kernels RandomNormal(0, 0.02) from jax-js's threefry keys, biases and beta 0, gamma 1, moving mean 0 and variance 1. */
export function initialModel(seed: number, latent: number) {
  const ks = [...random.split(random.key(seed), 8)];
  const normal = (k: np.Array, shape: number[]) => random.normal(k, shape).mul(0.02);
  const layer = (k: np.Array, shape: number[], out: number): Layer => ({ w: normal(k, shape), b: np.zeros([out]) });
  const bn = (c: number): Bn => ({ gamma: np.ones([c]), beta: np.zeros([c]) });
  const stats = (c: number): Stats => ({ mean: np.zeros([c]), var: np.ones([c]) });
  const dp: DParams = { w: { c1: layer(ks[0], [64, 1, 4, 4], 64), c2: layer(ks[1], [128, 64, 4, 4], 128), out: layer(ks[2], [6272, 1], 1) }, bn: { bn1: bn(64), bn2: bn(128) } };
  const ds: DStats = { bn1: stats(64), bn2: stats(128) };
  const gp: GParams = {
    dense: layer(ks[3], [latent, 12544], 12544), bn0: bn(12544), ct1: layer(ks[4], [256, 128, 4, 4], 128), bn1: bn(128),
    ct2: layer(ks[5], [128, 64, 4, 4], 64), bn2: bn(64), out: layer(ks[6], [1, 64, 7, 7], 1),
  };
  const gs: GStats = { bn0: stats(12544), bn1: stats(128), bn2: stats(64) };
  return { dp, ds, gp, gs, key: ks[7] };
}

export function adamInit<P extends object>(p: P): AdamState<P> {
  const zerosLike = (t: P) => tree.map((x: np.Array) => np.zeros(x.shape), t as never) as unknown as P;
  return { m: zerosLike(p), v: zerosLike(p), t: np.zeros([]) };
}
