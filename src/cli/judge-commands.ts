// The judge's commands for main.ts: `lsgan train-judge` and `lsgan score`, their flags parsed
// here so the dispatcher stays one line per command.

import { parseArgs } from 'node:util';
import type { Gpu } from '../kernels/gpu';
import { JUDGE_DEFAULTS } from '../lsgan/judge-train';
import { DEFAULT_SCORE_N } from '../lsgan/score';
import { num, posInt, SEED_RULE, UsageError } from './args';
import { BASELINES, score, type Baseline } from './score';
import { trainJudge } from './train-judge';

export const JUDGE_USAGE = `  lsgan train-judge [--epochs 3] [--batch 64] [--lr 0.001] [--seed 1] [--out judge] [--data DIR]
                    [--stats-only] [--verbose] [--adapter ...] [--kernels ...]
  lsgan score --model FILE|DIR [--model ...] [--baseline ${BASELINES.join('|')}] [--n 1000]
              [--seed 1] [--judge DIR] [--data DIR] [--adapter ...] [--kernels ...]`;

type OpenGpu = (adapter: string | undefined, kernels: string | undefined) => Promise<Gpu>;

const common = { adapter: { type: 'string' }, kernels: { type: 'string' }, help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' } } as const;

export async function judgeCommand(command: 'train-judge' | 'score', args: string[], openGpu: OpenGpu, usage: string): Promise<number> {
  if (command === 'train-judge') {
    const { values: v } = parseArgs({
      args, strict: true,
      options: { ...common, epochs: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, 'stats-only': { type: 'boolean' } },
    });
    if (v.help) { console.log(usage); return 0; }
    const d = JUDGE_DEFAULTS;
    const options = {
      epochs: num('epochs', v.epochs, d.epochs, posInt, 'a whole number >= 1'),
      batch: num('batch', v.batch, d.batch, (x) => posInt(x) && x <= 4096, 'a whole number from 1 to 4096'),
      lr: num('lr', v.lr, d.lr, (x) => x > 0, 'a positive number'),
      seed: num('seed', v.seed, d.seed, SEED_RULE.check, SEED_RULE.what),
      out: v.out ?? 'judge', data: v.data ?? null, statsOnly: v['stats-only'] ?? false, verbose: v.verbose ?? false,
      command: ['lsgan', command, ...args].join(' '),
    };
    return trainJudge(await openGpu(v.adapter, v.kernels), options);
  }
  const { values: v, positionals } = parseArgs({
    args, strict: true, allowPositionals: true,
    options: { ...common, model: { type: 'string', multiple: true }, baseline: { type: 'string', multiple: true }, n: { type: 'string' }, seed: { type: 'string' }, judge: { type: 'string' }, data: { type: 'string' } },
  });
  if (v.help) { console.log(usage); return 0; }
  const baselines = (v.baseline ?? []).map((b) => {
    if (!(BASELINES as readonly string[]).includes(b)) throw new UsageError(`--baseline ${b}: expected ${BASELINES.join(', ')}`);
    return b as Baseline;
  });
  const models = [...(v.model ?? []), ...positionals];
  if (models.length === 0 && baselines.length === 0) throw new UsageError('score needs --model FILE|DIR or --baseline NAME');
  const options = {
    models, baselines,
    n: num('n', v.n, DEFAULT_SCORE_N, (x) => Number.isInteger(x) && x >= 2 && x <= 100_000, 'a whole number from 2 to 100000'),
    seed: num('seed', v.seed, 1, SEED_RULE.check, SEED_RULE.what),
    judge: v.judge ?? null, data: v.data ?? null,
  };
  return score(await openGpu(v.adapter, v.kernels), options);
}
