// The command line: `lsgan train` and `lsgan generate` on Node + Dawn.

import { parseArgs } from 'node:util';
import { createNodeGpu } from '../kernels/device-node';
import type { KernelChoice } from '../kernels/gpu';
import { CONFIG_RULES } from '../lsgan/config-rules';
import { printable } from '../lsgan/json-strict';
import { num, posInt, UsageError } from './args';
import { errorLine } from './error-line';
import { generate } from './generate';
import { JUDGE_USAGE, judgeCommand } from './judge-commands';
import { PRETRAINED_GENERATOR, shippedPath } from './shipped';
import { train, TRAIN_DEFAULTS } from './train';

const USAGE = `usage:
  lsgan train [--epochs 20] [--batch 64] [--latent 100] [--lr 0.0002] [--beta1 0.5] [--seed 1]
              [--out out] [--steps N] [--resume out/run.safetensors] [--data DIR] [--verbose]
              [--score-every N] [--score-n N] [--judge DIR]
              [--adapter auto|lavapipe|swiftshader] [--kernels auto|gpu|cpu]
  lsgan generate [--model FILE] [--n 100] [--seed 1] [--out generated.png] [--interpolate]
                 [--adapter auto|lavapipe|swiftshader] [--kernels auto|gpu|cpu]
${JUDGE_USAGE}

--steps N stops at iteration N (counting from the start of the run, also when resuming).
--kernels chooses the kernel family: gpu (workgroup tiles, for GPUs), cpu (barrier-free, for CPU
implementations of WebGPU such as lavapipe) or auto (cpu on a CPU adapter, else gpu).
train scores the generator with the judge at every epoch end and every --score-every N iterations
(--score-n digits, 0 = no scoring); generate without --model uses ${PRETRAINED_GENERATOR}.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const common = { adapter: { type: 'string' }, kernels: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
  if (command === 'train') {
    const { values: v } = parseArgs({
      args: rest, strict: true,
      options: {
        ...common, epochs: { type: 'string' }, batch: { type: 'string' }, latent: { type: 'string' }, lr: { type: 'string' },
        beta1: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string' },
        resume: { type: 'string' }, data: { type: 'string' }, verbose: { type: 'boolean' },
        'score-every': { type: 'string' }, 'score-n': { type: 'string' }, judge: { type: 'string' },
      },
    });
    if (v.help) { console.log(USAGE); return 0; }
    const d = TRAIN_DEFAULTS;
    const r = CONFIG_RULES; // the rules a resumed run's config is held to as well
    const batch = num('batch', v.batch, d.batch, r.batch.check, r.batch.what);
    const options = {
      epochs: num('epochs', v.epochs, d.epochs, posInt, 'a whole number >= 1'),
      config: {
        batch,
        latent: num('latent', v.latent, d.latent, r.latent.check, r.latent.what),
        lr: num('lr', v.lr, d.lr, r.lr.check, r.lr.what),
        beta1: num('beta1', v.beta1, d.beta1, r.beta1.check, r.beta1.what),
        seed: num('seed', v.seed, d.seed, r.seed.check, r.seed.what),
      },
      explicit: new Set(Object.keys(v)),
      out: v.out ?? 'out',
      steps: v.steps === undefined ? null : num('steps', v.steps, 0, posInt, 'a whole number >= 1'),
      resume: v.resume ?? null,
      data: v.data ?? null,
      verbose: v.verbose ?? false,
      scoring: {
        every: v['score-every'] === undefined ? null : num('score-every', v['score-every'], 0, (x) => Number.isInteger(x) && x >= 0, 'a whole number >= 0 (0: only at epoch ends)'),
        n: v['score-n'] === undefined ? null : num('score-n', v['score-n'], 0, (x) => x === 0 || (Number.isInteger(x) && x >= 2 && x <= 100_000), '0 (no scoring) or a whole number from 2 to 100000'),
        judge: v.judge ?? null,
      },
    };
    const gpu = await openGpu(v.adapter, v.kernels);
    return train(gpu, options);
  }
  if (command === 'generate') {
    const { values: v } = parseArgs({
      args: rest, strict: true,
      options: { ...common, model: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, interpolate: { type: 'boolean' }, verbose: { type: 'boolean' } },
    });
    if (v.help) { console.log(USAGE); return 0; }
    // Without --model, the generator the repository ships (when it is there).
    const shipped = v.model === undefined ? shippedPath(PRETRAINED_GENERATOR) : null;
    if (v.model === undefined && shipped === null) throw new UsageError(`generate needs --model FILE (a generator model_*.safetensors or a run.safetensors; ${PRETRAINED_GENERATOR} is not there)`);
    if (shipped !== null) console.log(`no --model: using the shipped generator ${shipped}`);
    const options = {
      model: v.model ?? shipped!,
      n: num('n', v.n, 100, posInt, 'a whole number >= 1'),
      seed: num('seed', v.seed, 1, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'a whole number from 0 to 4294967295'),
      out: v.out ?? 'generated.png',
      interpolate: v.interpolate ?? false,
    };
    const gpu = await openGpu(v.adapter, v.kernels);
    return generate(gpu, options);
  }
  if (command === 'train-judge' || command === 'score') return judgeCommand(command, rest, openGpu, USAGE);
  throw new UsageError(`unknown command '${command}'`);
}

async function openGpu(adapter: string | undefined, kernels: string | undefined) {
  if (adapter !== undefined && !['auto', 'lavapipe', 'swiftshader'].includes(adapter)) throw new UsageError(`--adapter ${printable(adapter)}: expected auto, lavapipe or swiftshader`);
  if (kernels !== undefined && !['auto', 'gpu', 'cpu'].includes(kernels)) throw new UsageError(`--kernels ${printable(kernels)}: expected auto, gpu or cpu`);
  const gpu = await createNodeGpu({ prefer: (adapter ?? 'auto') as 'auto' | 'lavapipe' | 'swiftshader', kernels: (kernels ?? 'auto') as KernelChoice });
  console.log(`adapter: ${gpu.adapter.name} through Dawn${gpu.adapter.isCpu ? '; a CPU adapter: the README (Running it) has a run that reaches digits in about 75 minutes at batch 32' : ''}`);
  console.log(`${gpu.kernelsLine}${kernels === undefined || kernels === 'auto' ? ', chosen for this adapter (--kernels gpu|cpu to force one)' : ''}`);
  return gpu;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error;
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`error: ${errorLine(err, process.argv.includes('--verbose'))}`);
    process.exit(1);
  },
);
