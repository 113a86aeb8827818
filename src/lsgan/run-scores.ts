// The score history of a training run (scores during training, src/cli/train-scoring.ts):
// kept in run.safetensors' metadata under "scores" so a resumed run keeps its scores.csv and
// its best score, and written out as scores.csv. Read from a file, it is held to the rules a
// score obeys: steps increasing and within the run, a finite distance >= 0, a confidence in
// [0, 1], the class counts summing to n and their entropy in [0, log2 10].

import { failer } from './checkpoint-rules';
import { JsonError, JsonNumber, parseJson, printable, type JsonValue } from './json-strict';
import type { Score } from './score';

export const SCORES_KEY = 'scores';

export interface ScoreRow extends Score {
  step: number;
}

export interface ScoreHistory {
  /** Digits per score and the seed of their latent points: the same for every row. */
  n: number;
  seed: number;
  /** Also scored every this many iterations (0: only at epoch ends). */
  every: number;
  /** SHA-256 of the judge file that scored them. */
  judge: string;
  rows: ScoreRow[];
}

const CLASSES = 10;

export function encodeScoreHistory(h: ScoreHistory): string {
  return JSON.stringify({ n: h.n, seed: h.seed, every: h.every, judge_sha256: h.judge, columns: 'step,fd,confidence,entropy_bits,class0..class9', rows: h.rows.map((r) => [r.step, r.fd, r.confidence, r.entropy, ...r.classes]) });
}

export function scoresCsv(rows: readonly ScoreRow[]): string {
  const head = ['step', 'fd', 'confidence', 'entropy_bits', ...Array.from({ length: CLASSES }, (_, i) => `class${i}`)].join(',');
  return [head, ...rows.map((r) => [r.step, r.fd, r.confidence, r.entropy, ...r.classes].join(','))].join('\n') + '\n';
}

/** The best (lowest Fréchet distance) row, the earliest of equals; null when there is none. */
export function bestRow(rows: readonly ScoreRow[]): ScoreRow | null {
  let best: ScoreRow | null = null;
  for (const r of rows) if (best === null || r.fd < best.fd) best = r;
  return best;
}

/** Reads a run's score history from its metadata text, for a run at `step`. */
export function decodeScoreHistory(file: string, text: string, step: number): ScoreHistory {
  const fail = failer(file);
  const bad = (what: string): never => fail(`metadata ${SCORES_KEY}: ${what}`);
  let v: JsonValue;
  try {
    v = parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    return bad(`not valid JSON (${e.message})`);
  }
  if (!(v instanceof Map)) return bad('not a JSON object');
  const int = (key: string, x: JsonValue | undefined, min: number, max: number): number => {
    const i = x instanceof JsonNumber ? x.integer : null;
    if (i === null || i < min || i > max) bad(`${key} is not a whole number from ${min} to ${max}`);
    return i!;
  };
  for (const k of v.keys()) if (!['n', 'seed', 'every', 'judge_sha256', 'columns', 'rows'].includes(k)) bad(`unexpected key ${printable(k)}`);
  const n = int('n', v.get('n'), 2, 100_000), seed = int('seed', v.get('seed'), 0, 0xffffffff), every = int('every', v.get('every'), 0, 2 ** 31);
  const judge = v.get('judge_sha256');
  if (typeof judge !== 'string' || !/^[0-9a-f]{64}$/.test(judge)) bad('judge_sha256 is not a SHA-256 in hex');
  const rowsJson = v.get('rows');
  if (!Array.isArray(rowsJson)) return bad('rows is not a list');
  const rows: ScoreRow[] = [];
  for (const [i, r] of rowsJson.entries()) {
    const at = `row ${i + 1}`;
    if (!Array.isArray(r) || r.length !== 4 + CLASSES || !r.every((x) => x instanceof JsonNumber)) bad(`${at} is not a list of ${4 + CLASSES} numbers`);
    const x = (r as JsonNumber[]).map((d) => d.value);
    const rowStep = int(`${at} step`, (r as JsonValue[])[0], 1, step);
    if (rows.length > 0 && rowStep <= rows[rows.length - 1].step) bad(`${at}: step ${rowStep} does not come after ${rows[rows.length - 1].step}`);
    const [fd, confidence, entropy] = x.slice(1, 4);
    if (!(fd >= 0 && fd < Infinity)) bad(`${at}: Fréchet distance ${fd} is not finite and >= 0`);
    if (!(confidence >= 0 && confidence <= 1)) bad(`${at}: confidence ${confidence} is not in [0, 1]`);
    if (!(entropy >= 0 && entropy <= Math.log2(CLASSES) + 1e-9)) bad(`${at}: entropy ${entropy} is not in [0, log2 10]`);
    const classes = (r as JsonValue[]).slice(4).map((c, k) => int(`${at} class${k}`, c, 0, n));
    if (classes.reduce((a, b) => a + b, 0) !== n) bad(`${at}: the class counts sum to ${classes.reduce((a, b) => a + b, 0)}, not n = ${n}`);
    rows.push({ step: rowStep, fd, confidence, entropy, classes, n });
  }
  return { n, seed, every, judge: judge as string, rows };
}
