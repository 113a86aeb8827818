// The judge's files, as strict safetensors (safetensors.ts, with checksums):
//   judge.safetensors       its weights; metadata: the format, the architecture, and how it
//                           was made (command, seed, epochs, batch, test accuracy)
//   test-stats.safetensors  the mean [128] and covariance [128, 128] of its features over the
//                           10,000 MNIST test digits, and the SHA-256 of the judge file they
//                           were computed with, so stats from another judge are refused.
// Both load in Node and in the browser (bytes in, no file system here).

import type { Gpu } from '../kernels/gpu';
import type { Sequential } from '../nn/layers';
import { failer, firstBad } from './checkpoint-rules';
import { JUDGE_ARCHITECTURE, JUDGE_FEATURES } from './judge-model';
import { printable } from './json-strict';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors';
import { sha256Hex } from './sha256';

export const JUDGE_FORMAT = 'lsgan-mnist-judge/1';
export const STATS_FORMAT = 'lsgan-mnist-judge-stats/1';

/** How a judge was made, kept in its metadata (all strings, as safetensors metadata is). */
export type JudgeInfo = Record<string, string>;

export async function saveJudge(gpu: Gpu, judge: Sequential, info: JudgeInfo): Promise<Uint8Array> {
  const tensors: NamedArray[] = [];
  for (const p of judge.params) tensors.push({ name: p.name, shape: [...p.value.shape], data: await gpu.read(p.value) });
  return encodeSafetensors(tensors, { ...info, format: JUDGE_FORMAT, architecture: JUDGE_ARCHITECTURE });
}

/** Checks a judge file against the architecture and writes its weights into `judge`; returns its metadata. */
export function loadJudge(gpu: Gpu, file: string, bytes: Uint8Array, judge: Sequential): JudgeInfo {
  const st = decodeSafetensors(file, bytes);
  const fail = failer(file);
  if (st.metadata.format !== JUDGE_FORMAT) fail(`metadata format ${st.metadata.format === undefined ? 'missing' : printable(st.metadata.format)}, expected ${JUDGE_FORMAT} (a judge made by lsgan train-judge)`);
  const names = new Set(judge.params.map((p) => p.name));
  for (const k of st.tensors.keys()) if (!names.has(k)) fail(`unexpected tensor ${printable(k)} (not part of the judge's architecture)`);
  for (const p of judge.params) {
    const t = st.tensors.get(p.name);
    if (t === undefined) fail(`missing tensor ${p.name}`);
    if (t!.shape.length !== p.value.shape.length || t!.shape.some((d, i) => d !== p.value.shape[i])) fail(`tensor ${p.name} has shape [${t!.shape.join(', ')}], the judge needs [${p.value.shape.join(', ')}]`);
    const bad = firstBad(t!.data);
    if (bad >= 0) fail(`tensor ${p.name} holds ${t!.data[bad]} at index ${bad}`);
  }
  for (const p of judge.params) gpu.write(p.value, st.tensors.get(p.name)!.data);
  return { ...st.metadata };
}

export interface FeatureStats {
  /** Number of digits the statistics summarise. */
  count: number;
  mean: Float64Array;
  /** Row-major [d, d], the unbiased sample covariance (divided by count - 1). */
  covariance: Float64Array;
}

export function encodeStats(stats: FeatureStats, judgeBytes: Uint8Array, source: string): Uint8Array {
  const d = stats.mean.length;
  return encodeSafetensors([
    { name: 'features/mean', shape: [d], data: Float32Array.from(stats.mean) },
    { name: 'features/covariance', shape: [d, d], data: Float32Array.from(stats.covariance) },
  ], { format: STATS_FORMAT, judge_sha256: sha256Hex(judgeBytes), count: String(stats.count), source });
}

/** Reads test statistics, refusing them unless they were computed with this judge file. */
export function decodeStats(file: string, bytes: Uint8Array, judgeFile: string, judgeBytes: Uint8Array): FeatureStats & { source: string } {
  const st = decodeSafetensors(file, bytes);
  const fail = failer(file);
  const m = st.metadata;
  if (m.format !== STATS_FORMAT) fail(`metadata format ${m.format === undefined ? 'missing' : printable(m.format)}, expected ${STATS_FORMAT}`);
  const judgeHash = sha256Hex(judgeBytes);
  if (m.judge_sha256 !== judgeHash) fail(`computed with another judge (judge_sha256 ${printable(m.judge_sha256 ?? 'missing')}, ${printable(judgeFile)} has ${judgeHash}): recompute them with lsgan train-judge --stats-only`);
  const count = Number(m.count);
  if (!Number.isInteger(count) || count < 2 || String(count) !== m.count) fail(`metadata count ${printable(m.count ?? 'missing')} is not a whole number >= 2`);
  const d = JUDGE_FEATURES;
  const mean = st.tensors.get('features/mean'), cov = st.tensors.get('features/covariance');
  if (mean === undefined || mean.shape.length !== 1 || mean.shape[0] !== d) fail(`tensor features/mean ${mean === undefined ? 'is missing' : `has shape [${mean.shape.join(', ')}]`}, expected [${d}]`);
  if (cov === undefined || cov.shape.length !== 2 || cov.shape[0] !== d || cov.shape[1] !== d) fail(`tensor features/covariance ${cov === undefined ? 'is missing' : `has shape [${cov.shape.join(', ')}]`}, expected [${d}, ${d}]`);
  if (st.tensors.size !== 2) fail(`${st.tensors.size} tensors, expected features/mean and features/covariance`);
  for (const t of [mean!, cov!]) {
    const bad = firstBad(t.data);
    if (bad >= 0) fail(`tensor ${t.name} holds ${t.data[bad]} at index ${bad}`);
  }
  const c = cov!.data;
  for (let i = 0; i < d; i++) {
    if (!(c[i * d + i] >= 0)) fail(`tensor features/covariance holds ${c[i * d + i]} on its diagonal at ${i}: a variance is never negative`);
    for (let j = 0; j < i; j++) if (c[i * d + j] !== c[j * d + i]) fail(`tensor features/covariance is not symmetric at [${i}, ${j}]`);
  }
  return { count, mean: Float64Array.from(mean!.data), covariance: Float64Array.from(c), source: m.source ?? '' };
}
