// Loading the judge and its test statistics for the command line (score, train): from
// --judge DIR, or the repository's judge/ (shipped.ts). One line when they are missing.

import { join } from 'node:path';
import type { Gpu } from '../kernels/gpu';
import type { Sequential } from '../nn/layers';
import { readInputFile } from '../lsgan/file-node';
import { decodeStats, loadJudge, type FeatureStats, type JudgeInfo } from '../lsgan/judge-file';
import { buildJudge } from '../lsgan/judge-model';
import { CheckpointError } from '../lsgan/safetensors';
import { sha256Hex } from '../lsgan/sha256';
import { FileError } from './files';
import { JUDGE_DIR, JUDGE_FILE, shippedPath, STATS_FILE } from './shipped';

export interface LoadedJudge {
  judge: Sequential;
  info: JudgeInfo;
  stats: FeatureStats;
  file: string;
  /** SHA-256 of the judge file, which the statistics name. */
  sha256: string;
}

/** The judge directory to use: the one given, or the shipped one; null when neither exists. */
export function judgeDir(given: string | null): string | null {
  return given ?? shippedPath(JUDGE_DIR);
}

export function loadJudgeFiles(gpu: Gpu, dir: string): LoadedJudge {
  const file = join(dir, JUDGE_FILE), statsFile = join(dir, STATS_FILE);
  const read = (f: string, hint: string) => readInputFile(f, { what: 'a safetensors file', error: (m) => new CheckpointError(m), missingHint: hint });
  const bytes = read(file, ' (the MNIST judge: lsgan train-judge makes it)');
  const judge = buildJudge(gpu);
  const info = loadJudge(gpu, file, bytes, judge);
  const stats = decodeStats(statsFile, read(statsFile, ' (the judge\'s test statistics: lsgan train-judge --stats-only makes them)'), file, bytes);
  return { judge, info, stats, file, sha256: sha256Hex(bytes) };
}

/** No --judge and no judge/ to be found: one line saying how to get one. */
export function missingJudge(): FileError {
  return new FileError(`no judge found (${JUDGE_DIR}/${JUDGE_FILE} in the working directory or the repository); pass --judge DIR or make one with lsgan train-judge`);
}
