// Scores during `lsgan train`: the generator scored by the judge (src/lsgan/score.ts) at every
// epoch end and every --score-every N iterations, each score printed, appended to scores.csv
// and, when it is the lowest Fréchet distance so far, the generator kept as
// model_best.safetensors. The history lives in run.safetensors' metadata (run-scores.ts), so
// --resume keeps scores.csv and the best score. Every score uses the same latent points (seed
// 1 of the score stream), so scores along the run are comparable.
//
// Cost: by default 1,000 digits, but never more than a tenth of the generator passes an epoch
// makes (1.5 batches per iteration), so scoring costs at most ~10% of an epoch; below 2 digits
// (a tiny --data set) it is off unless --score-n asks for it.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpu } from '../kernels/gpu';
import type { Sequential } from '../nn/layers';
import { generatorMeta, type RunFile } from '../lsgan/checkpoint';
import { bestRow, decodeScoreHistory, encodeScoreHistory, SCORES_KEY, scoresCsv, type ScoreHistory, type ScoreRow } from '../lsgan/run-scores';
import { DEFAULT_SCORE_N, GeneratorScorer, scoreLine } from '../lsgan/score';
import { writeAtomic } from './files';
import { judgeDir, loadJudgeFiles, missingJudge, type LoadedJudge } from './judge-files';

export interface ScoringOptions {
  /** Also score every this many iterations (0: only at epoch ends; null: as the resumed run did, else 0). */
  every: number | null;
  /** Digits per score (0: off; null: the default rule above). */
  n: number | null;
  judge: string | null;
}

export const SCORE_SEED = 1;
export const BEST_FILE = 'model_best.safetensors';

/** The default digits per score for an epoch of `perEpoch` iterations at `batch`. */
export function defaultScoreN(perEpoch: number, batch: number): number {
  return Math.min(DEFAULT_SCORE_N, Math.floor(0.1 * perEpoch * 1.5 * batch));
}

/** A resumed run's score history, kept as it is while scoring is off (--score-n 0). */
export function keptScores(resumed: RunFile | null): Record<string, string> {
  const text = resumed?.st.metadata[SCORES_KEY];
  return text === undefined ? {} : { [SCORES_KEY]: text };
}

export class TrainingScores {
  private constructor(
    private readonly j: LoadedJudge,
    private readonly scorer: GeneratorScorer,
    readonly history: ScoreHistory,
    readonly every: number,
    private readonly out: string,
  ) {}

  /** Null when scoring is off (and says why); throws when it was asked for and cannot run. */
  static async create(gpu: Gpu, g: Sequential, o: ScoringOptions, run: { perEpoch: number; batch: number; out: string; resumed: { file: string; run: RunFile } | null }): Promise<TrainingScores | null> {
    const stored = run.resumed?.run.st.metadata[SCORES_KEY];
    const history = stored === undefined ? null : decodeScoreHistory(run.resumed!.file, stored, run.resumed!.run.step);
    if (history !== null && o.n !== null && o.n !== 0 && o.n !== history.n) {
      throw new Error(`--score-n ${o.n} conflicts with the resumed run's scores of ${history.n} digits (${run.resumed!.file}); drop the flag to continue them`);
    }
    const n = o.n ?? history?.n ?? defaultScoreN(run.perEpoch, run.batch);
    if (n === 0 || n < 2) {
      console.log(`scoring: off (${o.n === 0 ? '--score-n 0' : `an epoch of ${run.perEpoch} iterations is too short to score 2 digits within 10% of it; --score-n N forces it`})`);
      return null;
    }
    const dir = judgeDir(o.judge);
    if (dir === null) {
      if (o.n !== null || o.every !== null || o.judge !== null) throw missingJudge();
      console.log('scoring: off (no judge found: lsgan train-judge makes one)');
      return null;
    }
    const j = loadJudgeFiles(gpu, dir);
    if (history !== null && history.judge !== j.sha256) {
      throw new Error(`${run.resumed!.file}: its scores come from another judge (SHA-256 ${history.judge.slice(0, 12)}..., ${j.file} is ${j.sha256.slice(0, 12)}...); pass --judge DIR with that judge, or --score-n 0`);
    }
    // A resumed run keeps its cadence unless --score-every changes it (scores stay comparable).
    const every = o.every ?? history?.every ?? 0;
    const h = history === null ? { n, seed: SCORE_SEED, every, judge: j.sha256, rows: [] } : { ...history, every };
    const scorer = await GeneratorScorer.create(gpu, j.judge, g, h.seed);
    console.log(`scoring: ${n} digits with ${j.file} at every epoch end${every > 0 ? ` and every ${every} iterations` : ''}; writes scores.csv and ${BEST_FILE}`);
    return new TrainingScores(j, scorer, h, every, run.out);
  }

  due(step: number, perEpoch: number): boolean {
    const last = this.history.rows[this.history.rows.length - 1];
    if (last !== undefined && last.step >= step) return false;
    return step % perEpoch === 0 || (this.every > 0 && step % this.every === 0);
  }

  /** The best generator's file carries its score under `score` (the demo and pretrained/ show it). */
  private scoreMeta(row: ScoreRow): Record<string, string> {
    const h = this.history;
    return { score: JSON.stringify({ step: row.step, n: h.n, seed: h.seed, fd: row.fd, confidence: row.confidence, entropy_bits: row.entropy, classes: row.classes, judge_sha256: h.judge }) };
  }

  /** Metadata for run.safetensors. */
  metadata(): Record<string, string> {
    return { [SCORES_KEY]: encodeScoreHistory(this.history) };
  }

  /**
   * Scores the generator as it is at `step`, prints the score, keeps model_best.safetensors;
   * the caller then writes run.safetensors (which holds the history) and calls writeCsv().
   */
  async score(step: number, saveGenerator: (extra?: Record<string, string>) => Promise<Uint8Array>): Promise<ScoreRow> {
    const t0 = performance.now();
    const s = await this.scorer.score(this.history.n, this.j.stats);
    const row: ScoreRow = { step, ...s };
    const before = bestRow(this.history.rows);
    this.history.rows.push(row);
    const best = before === null || row.fd < before.fd;
    if (best) writeAtomic(join(this.out, BEST_FILE), await saveGenerator(this.scoreMeta(row)));
    console.log(`score at iteration ${step}: ${scoreLine(s)}${best ? ` (best so far: ${BEST_FILE})` : `; best ${before!.fd.toFixed(2)} at iteration ${before!.step}`} [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
    return row;
  }

  writeCsv(): void {
    writeAtomic(join(this.out, 'scores.csv'), scoresCsv(this.history.rows));
  }

  /**
   * After a resume: model_best.safetensors must hold the best row's generator. A crash between
   * a new best's run file and its model file leaves the old one; the resumed state is that
   * generator exactly when the best row is at the resumed step, so it is written again.
   */
  async checkBest(step: number, saveGenerator: (extra?: Record<string, string>) => Promise<Uint8Array>): Promise<void> {
    const best = bestRow(this.history.rows);
    if (best === null) return;
    const file = join(this.out, BEST_FILE);
    let held: number | null = null;
    try {
      if (existsSync(file)) held = generatorMeta(file, new Uint8Array(readFileSync(file))).step;
    } catch {
      held = null; // damaged: treated as missing
    }
    if (held === best.step) return;
    if (best.step === step) {
      writeAtomic(file, await saveGenerator(this.scoreMeta(best)));
      console.log(`wrote ${file} again: it did not hold the best score's generator (iteration ${best.step})`);
    } else {
      console.log(`warning: ${file} ${held === null ? 'is missing' : `holds iteration ${held}`}, but the best score was at iteration ${best.step}; it is replaced at the next best score`);
    }
  }

  destroy(): void {
    this.scorer.destroy();
    this.j.judge.destroy();
  }
}
