// The Score panel: asks the worker to score the live generator with the MNIST judge (as
// `lsgan score`: the Fréchet distance of the judge's features to the test digits', its
// confidence, the class histogram) and shows the answer. The judge's two files are static
// assets of the site (vite.demo.config.ts), fetched by the worker on the first request.

import { scoreLine } from '../src/lsgan/score';
import type { Reply, Request } from './protocol';

export const JUDGE_ASSET = 'judge/judge.safetensors';
export const STATS_ASSET = 'judge/test-stats.safetensors';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function setupScorePanel(send: (r: Request) => void, showError: (text: string) => void): void {
  $('score').addEventListener('click', () => {
    const n = Number($<HTMLInputElement>('score-n').value);
    if (!(Number.isInteger(n) && n >= 2 && n <= 10000)) {
      showError(`digits to score ${$<HTMLInputElement>('score-n').value}: a whole number from 2 to 10000`);
      return;
    }
    $('score-result').textContent = `scoring ${n} digits…`;
    send({ type: 'score', n, judgeUrl: new URL(JUDGE_ASSET, location.href).href, statsUrl: new URL(STATS_ASSET, location.href).href });
  });
}

export function showScore(r: Extract<Reply, { type: 'score' }>): void {
  $('score-result').textContent = `iteration ${r.step}: ${scoreLine(r.score)} (${r.seconds.toFixed(1)} s; lsgan score --n ${r.score.n} gives the same numbers for this generator)`;
  document.body.dataset.score = `${r.step}:${r.score.fd}`;
}
