// The judge's statistics file and a run's score history: written, read back, and refused when
// they break their rules (cpu project: no GPU needed).

import { describe, expect, test } from 'vitest';
import { decodeStats, encodeStats } from '../src/lsgan/judge-file';
import { JUDGE_FEATURES } from '../src/lsgan/judge-model';
import { decodeScoreHistory, encodeScoreHistory, scoresCsv, bestRow, type ScoreHistory } from '../src/lsgan/run-scores';
import { decodeSafetensors, encodeSafetensors } from '../src/lsgan/safetensors';
import { randn, rng } from './helpers/random';

const d = JUDGE_FEATURES;

function stats() {
  const r = rng(1);
  const mean = randn(r, d);
  const covariance = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) covariance[i * d + j] = covariance[j * d + i] = i === j ? 1 + r() : 0.01 * (r() - 0.5);
  return { count: 10000, mean, covariance };
}

describe('judge test statistics file', () => {
  const judgeBytes = new Uint8Array([1, 2, 3]);

  test('round trip: the values as f32, the count, the source', () => {
    const s = stats();
    const got = decodeStats('s.safetensors', encodeStats(s, judgeBytes, 'test digits'), 'j.safetensors', judgeBytes);
    expect(got.count).toBe(10000);
    expect(got.source).toBe('test digits');
    expect(Array.from(got.mean)).toEqual(Array.from(Float32Array.from(s.mean)));
    expect(Array.from(got.covariance)).toEqual(Array.from(Float32Array.from(s.covariance)));
  });

  test('refused with another judge, with a bad count, an asymmetric or negative-variance covariance', () => {
    const s = stats();
    const bytes = encodeStats(s, judgeBytes, 'x');
    expect(() => decodeStats('s.safetensors', bytes, 'j.safetensors', new Uint8Array([1, 2, 4]))).toThrow(/s\.safetensors: computed with another judge \(judge_sha256 [0-9a-f]{64}, j\.safetensors has [0-9a-f]{64}\)/);
    const edit = (f: (m: Record<string, string>, t: Map<string, Float32Array>) => void) => {
      const st = decodeSafetensors('x', bytes);
      const meta = { ...st.metadata }, t = new Map([...st.tensors].map(([k, v]) => [k, v.data]));
      f(meta, t);
      return encodeSafetensors([...st.tensors.values()].map((v) => ({ ...v, data: t.get(v.name)! })), meta);
    };
    const fails = (b: Uint8Array, re: RegExp) => expect(() => decodeStats('s.safetensors', b, 'j', judgeBytes)).toThrow(re);
    fails(edit((m) => { m.count = '1'; }), /metadata count 1 is not a whole number >= 2/);
    fails(edit((m) => { m.format = 'other'; }), /metadata format other, expected lsgan-mnist-judge-stats\/1/);
    fails(edit((_, t) => { t.get('features/covariance')![1] = 5; }), /not symmetric at \[1, 0\]/);
    fails(edit((_, t) => { t.get('features/covariance')![0] = -1; }), /holds -1 on its diagonal at 0: a variance is never negative/);
    fails(edit((_, t) => { t.get('features/mean')![3] = NaN; }), /tensor features\/mean holds NaN at index 3/);
  });
});

describe('score history in run.safetensors metadata', () => {
  const row = (step: number, fd: number) => ({ step, fd, confidence: 0.75, entropy: 2.5, classes: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], n: 100 });
  const h: ScoreHistory = { n: 100, seed: 1, every: 5, judge: 'a'.repeat(64), rows: [row(5, 30.5), row(10, 12.25), row(15, 20)] };

  test('round trip, the best row, the CSV', () => {
    const got = decodeScoreHistory('run', encodeScoreHistory(h), 15);
    expect(got).toEqual(h);
    expect(bestRow(got.rows)!.step).toBe(10);
    const csv = scoresCsv(got.rows).trim().split('\n');
    expect(csv[0]).toBe('step,fd,confidence,entropy_bits,class0,class1,class2,class3,class4,class5,class6,class7,class8,class9');
    expect(csv[2]).toBe('10,12.25,0.75,2.5,10,10,10,10,10,10,10,10,10,10');
  });

  test('rows past the run, out of order, or breaking a score\'s rules are refused, naming the row', () => {
    const text = encodeScoreHistory(h);
    const fails = (t: string, step: number, re: RegExp) => expect(() => decodeScoreHistory('out/run.safetensors', t, step)).toThrow(re);
    fails(text, 14, /out\/run\.safetensors: metadata scores: row 3 step is not a whole number from 1 to 14/);
    const edited = (f: (o: { rows: number[][]; [k: string]: unknown }) => void) => { const o = JSON.parse(text); f(o); return JSON.stringify(o); };
    fails(edited((o) => { o.rows[1][0] = 5; }), 15, /row 2: step 5 does not come after 5/);
    fails(edited((o) => { o.rows[0][1] = -1; }), 15, /row 1: Fréchet distance -1 is not finite and >= 0/);
    fails(edited((o) => { o.rows[0][2] = 1.5; }), 15, /row 1: confidence 1.5 is not in \[0, 1\]/);
    fails(edited((o) => { o.rows[0][3] = 4; }), 15, /row 1: entropy 4 is not in \[0, log2 10\]/);
    fails(edited((o) => { o.rows[0][4] = 11; }), 15, /row 1: the class counts sum to 101, not n = 100/);
    fails(edited((o) => { o.rows[0].pop(); }), 15, /row 1 is not a list of 14 numbers/);
    fails(edited((o) => { o.judge_sha256 = 'xyz'; }), 15, /judge_sha256 is not a SHA-256 in hex/);
    fails(edited((o) => { o.extra = 1; }), 15, /unexpected key extra/);
    fails('{"n":100,"n":100}', 15, /not valid JSON \(duplicate key n/);
  });
});
