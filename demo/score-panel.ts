// The Score panel: asks the worker to score a generator (the trained one shipped with the site,
// or the live one) with the MNIST judge (as `lsgan score`: the Fréchet distance of the judge's
// features to the test digits', its confidence, the class histogram) and shows the answer next
// to the button. The judge's two files are static assets of the site (vite.demo.config.ts),
// fetched by the worker on the first request.

import { scoreLine } from '../src/lsgan/score';
import { $ } from './dom';
import { note, setBusy } from './notes';
import type { Reply, Request, Which } from './protocol';
import { fieldNote, parseNumber } from './settings';

export const JUDGE_ASSET = 'judge/judge.safetensors';
export const STATS_ASSET = 'judge/test-stats.safetensors';

export function setupScorePanel(send: (r: Request) => void): void {
  $('score').addEventListener('click', () => {
    const text = $<HTMLInputElement>('score-n').value;
    const n = parseNumber(text);
    if (n === null || !(Number.isInteger(n) && n >= 2 && n <= 10000)) {
      fieldNote('score-n', `digits to score "${text}": expected a whole number from 2 to 10,000`);
      return;
    }
    fieldNote('score-n', null);
    const which = $<HTMLSelectElement>('score-which').value as Which;
    note('score', `scoring ${n.toLocaleString('en-US')} digits of the ${which === 'trained' ? 'trained' : 'live'} generator…`, 'busy');
    setBusy('score', true);
    send({ type: 'score', which, n, judgeUrl: new URL(JUDGE_ASSET, location.href).href, statsUrl: new URL(STATS_ASSET, location.href).href });
  });
}

export function showScore(r: Extract<Reply, { type: 'score' }>): void {
  setBusy('score', false);
  note('score', '');
  $('score-result').textContent = `${r.which === 'trained' ? 'the trained generator' : 'the live generator'}, iteration ${r.step.toLocaleString('en-US')}: ${scoreLine(r.score)} (${r.seconds.toFixed(1)} s; lsgan score --n ${r.score.n} gives the same numbers for this generator)`;
  document.body.dataset.score = `${r.step}:${r.score.fd}`;
}
