import { describe, expect, test } from 'vitest';
import { ShapeError } from '../src/kernels/errors';
import { boxMuller, mulhi32, philox4x32, randomInt, randomNormal } from '../src/kernels/random.cpu';
import { rng } from './helpers/random';

const hex = (words: readonly number[]) => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');
const words = (text: string) => text.split(' ').map((h) => parseInt(h, 16));

// Known-answer vectors for philox4x32 with 10 rounds, from the Random123 distribution
// (D. E. Shaw Research, https://github.com/DEShawResearch/random123): the "philox4x32 10"
// lines of tests/kat_vectors, also checked by tests/kat_main.cpp. Recomputed independently
// for this project with a 12-line Python implementation of the paper's round function
// (arbitrary-precision integers, no 16-bit splitting), which printed the same words.
const KAT: Array<[string, string, string]> = [
  ['00000000 00000000 00000000 00000000', '00000000 00000000', '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
  ['ffffffff ffffffff ffffffff ffffffff', 'ffffffff ffffffff', '408f276d 41c83b0e a20bc7c6 6d5451fd'],
  ['243f6a88 85a308d3 13198a2e 03707344', 'a4093822 299f31d0', 'd16cfe09 94fdcceb 5001e420 24126ea1'],
];

function moments(x: ArrayLike<number>) {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    m2 += d * d; m3 += d * d * d; m4 += d * d * d * d;
  }
  m2 /= n; m3 /= n; m4 /= n;
  return { mean, std: Math.sqrt(m2), skew: m3 / m2 ** 1.5, exkurt: m4 / (m2 * m2) - 3 };
}

/** Pearson's chi-square statistic of counts against equal expected counts. */
function chiSquare(counts: ArrayLike<number>, total: number): number {
  const e = total / counts.length;
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += (counts[i] - e) ** 2 / e;
  return s;
}

describe('Philox4x32-10', () => {
  for (const [c, k, want] of KAT) {
    test(`known answer: counter ${c}, key ${k}`, () => {
      const got = philox4x32(words(c) as [number, number, number, number], words(k) as [number, number]);
      expect(hex(got)).toBe(want);
    });
  }

  test('mulhi32 matches 64-bit BigInt products, including the extremes', () => {
    const r = rng(11);
    const pairs: Array<[number, number]> = [[0xffffffff, 0xffffffff], [0xd2511f53, 0xffffffff], [0, 0xffffffff], [1, 1], [0x10000, 0x10000]];
    for (let i = 0; i < 2000; i++) pairs.push([Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)]);
    for (const [a, b] of pairs) expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
  });
});

describe('randomNormal CPU twin', () => {
  // n = 1e5, mean 2, std 3. Standard errors of the sample statistics of a normal sample:
  // mean std/sqrt(n) = 0.0095, std std/sqrt(2n) = 0.0067, skew sqrt(6/n) = 0.0077,
  // excess kurtosis sqrt(24/n) = 0.0155. Bounds at 5 standard errors.
  test('moments of 1e5 draws', () => {
    const n = 100_000, out = new Float64Array(n);
    randomNormal(out, new Float64Array([3]), { seed: 42, stream: 7, mean: 2, std: 3 });
    const s = moments(out);
    console.log(`normal n=1e5 mean=2 std=3: mean ${s.mean.toFixed(5)}, std ${s.std.toFixed(5)}, skew ${s.skew.toFixed(5)}, excess kurtosis ${s.exkurt.toFixed(5)}`);
    expect(Math.abs(s.mean - 2)).toBeLessThan(5 * 0.0095);
    expect(Math.abs(s.std - 3)).toBeLessThan(5 * 0.0067);
    expect(Math.abs(s.skew)).toBeLessThan(5 * 0.0077);
    expect(Math.abs(s.exkurt)).toBeLessThan(5 * 0.0155);
  });

  test('the tails: draws beyond 3 sigma occur at the normal rate, none beyond the 24-bit limit', () => {
    const n = 100_000, out = new Float64Array(n);
    randomNormal(out, new Float64Array([0]), { seed: 1, stream: 2 });
    const beyond3 = out.filter((z) => Math.abs(z) > 3).length;
    // P(|Z| > 3) = 0.0027: expected 270, Poisson sd 16.4.
    expect(Math.abs(beyond3 - 270)).toBeLessThan(5 * 16.4);
    // u >= 2^-24 caps |z| at sqrt(-2 ln 2^-24) = 5.768.
    expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(48 * Math.LN2) + 1e-12);
  });

  test('Box-Muller never takes log(0) and is finite at the extreme words', () => {
    for (const [a, b] of [[0, 0], [0xffffffff, 0xffffffff], [0xff, 0x80000000]]) {
      for (const z of boxMuller(a, b)) expect(Number.isFinite(z)).toBe(true);
    }
    expect(Math.abs(boxMuller(0xffffffff, 0)[0])).toBe(0); // top word: u = 1, r = 0
    // Bottom word: u = 2^-24, the largest radius, at theta = -pi.
    expect(boxMuller(0, 0)[0]).toBeCloseTo(-Math.sqrt(48 * Math.LN2), 12);
  });

  test('reproducible from (seed, stream, step); streams and steps differ; a prefix does not depend on n', () => {
    const draw = (seed: number, stream: number, step: number, n = 1001) => {
      const out = new Float64Array(n);
      randomNormal(out, new Float64Array([step]), { seed, stream });
      return out;
    };
    const base = draw(5, 1, 10);
    expect(draw(5, 1, 10)).toEqual(base);
    const differing = (a: Float64Array, b: Float64Array) => a.filter((x, i) => x !== b[i]).length;
    for (const other of [draw(5, 2, 10), draw(5, 1, 11), draw(6, 1, 10)]) expect(differing(base, other)).toBe(base.length);
    // Counter-based: output i depends only on i's block, so a shorter draw is a prefix.
    expect(draw(5, 1, 10, 37)).toEqual(base.subarray(0, 37));
    // Two steps of one stream are not shifted copies of each other.
    const a = draw(5, 1, 10, 400), b = draw(5, 1, 11, 400);
    for (let shift = 1; shift < 8; shift++) expect(differing(a.subarray(shift), b.subarray(0, 400 - shift))).toBe(400 - shift);
  });

  test('f32 output equals the f64 draw rounded to f32', () => {
    const o32 = new Float32Array(999), o64 = new Float64Array(999);
    randomNormal(o32, new Float64Array([2]), { seed: 3, stream: 4, mean: 0, std: 0.02 });
    randomNormal(o64, new Float64Array([2]), { seed: 3, stream: 4, mean: 0, std: 0.02 });
    expect(o32).toEqual(Float32Array.from(o64));
  });

  test('rejects bad arguments with the op and the sizes', () => {
    const step = new Float64Array([0]);
    expect(() => randomNormal(new Float64Array(4), step, { seed: 1, stream: 0, std: -1 })).toThrow(/randomNormal: std -1/);
    expect(() => randomNormal(new Float64Array(0), step, { seed: 1, stream: 0 })).toThrow(ShapeError);
    expect(() => randomNormal(new Float64Array(4), new Float64Array(2), { seed: 1, stream: 0 })).toThrow(/step has 2 values/);
    expect(() => randomNormal(new Float64Array(4), step, { seed: -1, stream: 0 })).toThrow(/seed -1 is not a u32/);
    expect(() => randomNormal(new Float64Array(4), step, { seed: 1, stream: 2 ** 32 })).toThrow(/stream 4294967296 is not a u32/);
    expect(() => randomNormal(new Float64Array(4), new Float64Array([1.5]), { seed: 1, stream: 0 })).toThrow(/step 1.5/);
  });
});

describe('randomInt CPU twin', () => {
  test('each draw is floor(word * n / 2^32) of its Philox word', () => {
    const out = new Uint32Array(10);
    randomInt(out, new Float64Array([9]), { seed: 77, stream: 3, n: 60000 });
    for (let i = 0; i < 10; i++) {
      const w = philox4x32([9, Math.floor(i / 4), 0, 0], [77, 3])[i % 4];
      expect(out[i]).toBe(Number((BigInt(w) * 60000n) >> 32n));
    }
  });

  // Chi-square with k - 1 degrees of freedom: mean k - 1, sd sqrt(2 (k - 1)); bound at
  // mean + 5 sd, and below at mean - 5 sd (a too-perfect fit would be as suspicious).
  for (const [n, bins] of [[60000, 100], [10, 10], [3, 3]] as const) {
    test(`in [0, ${n}) and uniform over ${bins} bins (chi-square), 1e5 draws`, () => {
      const draws = 100_000, out = new Uint32Array(draws);
      randomInt(out, new Float64Array([1]), { seed: 2024, stream: 9, n });
      const counts = new Float64Array(bins);
      for (const x of out) counts[Math.floor((x * bins) / n)]++;
      expect(Math.max(...out)).toBeLessThan(n);
      const chi = chiSquare(counts, draws), dof = bins - 1, sd = Math.sqrt(2 * dof);
      console.log(`randomInt n=${n}: chi-square ${chi.toFixed(1)} with ${dof} dof (bound ${(dof + 5 * sd).toFixed(1)})`);
      expect(chi).toBeLessThan(dof + 5 * sd);
      if (dof >= 9) expect(chi).toBeGreaterThan(Math.max(0, dof - 5 * sd));
    });
  }

  test('n = 1 gives zeros; n = 2^32 - 1 uses the full word', () => {
    const out = new Uint32Array(9);
    randomInt(out, new Float64Array([0]), { seed: 1, stream: 1, n: 1 });
    expect(Array.from(out)).toEqual(new Array(9).fill(0));
    randomInt(out, new Float64Array([0]), { seed: 1, stream: 1, n: 0xffffffff });
    const w = philox4x32([0, 0, 0, 0], [1, 1]);
    expect(out[0]).toBe(Number((BigInt(w[0]) * 0xffffffffn) >> 32n));
  });

  test('rejects n = 0 and non-integer ranges', () => {
    const step = new Float64Array([0]);
    expect(() => randomInt(new Uint32Array(4), step, { seed: 1, stream: 0, n: 0 })).toThrow(/randomInt: range n = 0/);
    expect(() => randomInt(new Uint32Array(4), step, { seed: 1, stream: 0, n: 2.5 })).toThrow(ShapeError);
    expect(() => randomInt(new Uint32Array(4), step, { seed: 1, stream: 0, n: 2 ** 32 })).toThrow(ShapeError);
  });
});
