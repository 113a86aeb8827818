// CPU twins of random.ts, written from Salmon et al. 2011 (Philox4x32-10): the same u32 words
// bit for bit, the same normals up to the f32 rounding of log, cos, sin and sqrt on the GPU.

import type { Floats } from './floats';
import { checkIntRange, checkNormalArgs, checkRandomArgs, type IntOptions, type NormalOptions } from './random';

const M0 = 0xd2511f53, M1 = 0xcd9e8d57;
/** Weyl key increments: the golden ratio and sqrt(3) - 1, as 32-bit fractions. */
const W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32; each 16-bit partial product is exact in a double. */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff, aHi = a >>> 16, bLo = b & 0xffff, bHi = b >>> 16;
  const lowCarry = (aLo * bLo) / 65536;
  const cross = aHi * bLo + aLo * bHi + Math.floor(lowCarry); // < 2^33 + 2^16: exact
  return (aHi * bHi + Math.floor(cross / 65536)) >>> 0;
}

/** Low 32 bits of the product. */
export function mullo32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/**
 * Philox4x32 with 10 rounds. Each round: (hi0, lo0) = M0 * c0, (hi1, lo1) = M1 * c2,
 * c' = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0); the key is bumped by (W0, W1) between rounds.
 */
export function philox4x32(counter: readonly [number, number, number, number], key: readonly [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((x) => x >>> 0);
  let k0 = key[0] >>> 0, k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0), lo0 = mullo32(M0, c0);
    const hi1 = mulhi32(M1, c2), lo1 = mullo32(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** The four words behind outputs 4*block .. 4*block+3: counter (step, block, 0, 0), key (seed, stream). */
export function philoxBlock(seed: number, stream: number, step: number, block: number): [number, number, number, number] {
  return philox4x32([step, block, 0, 0], [seed, stream]);
}

/** Box-Muller: u in (0, 1] from the top 24 bits of wa, the angle in [-pi, pi) from wb. */
export function boxMuller(wa: number, wb: number): [number, number] {
  const u = ((wa >>> 8) + 1) / 2 ** 24;
  const v = (wb >>> 8) / 2 ** 24;
  const r = Math.sqrt(-2 * Math.log(u));
  const theta = 2 * Math.PI * v - Math.PI;
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

function stepValue(op: string, step: Floats): number {
  const t = step[0];
  if (!Number.isInteger(t) || t < 0 || t > 2 ** 24) throw new RangeError(`${op}: step ${t} is not an integer in [0, 2^24]`);
  return t;
}

export function randomNormal(out: Floats, step: Floats, opts: NormalOptions): void {
  const { seed, stream, mean = 0, std = 1 } = opts;
  checkRandomArgs('randomNormal', out.length, step.length, seed, stream);
  checkNormalArgs('randomNormal', mean, std);
  const t = stepValue('randomNormal', step);
  for (let b = 0; 4 * b < out.length; b++) {
    const [w0, w1, w2, w3] = philoxBlock(seed, stream, t, b);
    const z = [...boxMuller(w0, w1), ...boxMuller(w2, w3)];
    for (let j = 0; j < 4 && 4 * b + j < out.length; j++) out[4 * b + j] = mean + std * z[j];
  }
}

/** Uniform integers in [0, n): floor(w * n / 2^32) for each Philox word w. */
export function randomInt(out: Uint32Array, step: Floats, opts: IntOptions): void {
  const { seed, stream, n } = opts;
  checkRandomArgs('randomInt', out.length, step.length, seed, stream);
  checkIntRange('randomInt', n);
  const t = stepValue('randomInt', step);
  for (let b = 0; 4 * b < out.length; b++) {
    const w = philoxBlock(seed, stream, t, b);
    for (let j = 0; j < 4 && 4 * b + j < out.length; j++) out[4 * b + j] = mulhi32(w[j], n);
  }
}
