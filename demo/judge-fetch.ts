// The worker's copy of the MNIST judge: its weights and test statistics fetched from the
// site's static assets (vite.demo.config.ts serves the repository's judge/ files) and
// checked as the command line checks them (judge-file.ts).

import type { Gpu } from '../src/kernels/gpu';
import type { Sequential } from '../src/nn/layers';
import { decodeStats, loadJudge, type FeatureStats } from '../src/lsgan/judge-file';
import { buildJudge } from '../src/lsgan/judge-model';

export interface FetchedJudge {
  judge: Sequential;
  stats: FeatureStats;
}

async function bytesOf(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText} (the judge's files are built into the site from the repository's judge/)`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function fetchJudge(gpu: Gpu, judgeUrl: string, statsUrl: string): Promise<FetchedJudge> {
  const [jb, sb] = await Promise.all([bytesOf(judgeUrl), bytesOf(statsUrl)]);
  const judge = buildJudge(gpu);
  try {
    loadJudge(gpu, judgeUrl, jb, judge);
    return { judge, stats: decodeStats(statsUrl, sb, judgeUrl, jb) };
  } catch (e) {
    judge.destroy();
    throw e;
  }
}
