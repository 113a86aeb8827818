// The command line: `lsgan train` and `lsgan generate` on Node + Dawn.

import { parseArgs } from 'node:util';
import { createNodeGpu } from '../kernels/device-node';
import { generate } from './generate';
import { train, TRAIN_DEFAULTS } from './train';

const USAGE = `usage:
  lsgan train [--epochs 20] [--batch 64] [--latent 100] [--lr 0.0002] [--beta1 0.5] [--seed 1]
              [--out out] [--steps N] [--resume out/run.safetensors] [--data DIR] [--verbose]
              [--adapter auto|lavapipe|swiftshader]
  lsgan generate --model FILE [--n 100] [--seed 1] [--out generated.png] [--interpolate]
                 [--adapter auto|lavapipe|swiftshader]

--steps N stops at iteration N (counting from the start of the run, also when resuming).`;

function num(name: string, v: string | undefined, fallback: number, check: (x: number) => boolean, what: string): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name} ${v}: expected ${what}`);
  return x;
}

class UsageError extends Error {}

const posInt = (x: number) => Number.isInteger(x) && x >= 1;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const common = { adapter: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
  if (command === 'train') {
    const { values: v } = parseArgs({
      args: rest, strict: true,
      options: {
        ...common, epochs: { type: 'string' }, batch: { type: 'string' }, latent: { type: 'string' }, lr: { type: 'string' },
        beta1: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string' },
        resume: { type: 'string' }, data: { type: 'string' }, verbose: { type: 'boolean' },
      },
    });
    if (v.help) { console.log(USAGE); return 0; }
    const d = TRAIN_DEFAULTS;
    const batch = num('batch', v.batch, d.batch, (x) => posInt(x) && x % 2 === 0 && x <= 4096, 'an even whole number from 2 to 4096');
    const options = {
      epochs: num('epochs', v.epochs, d.epochs, posInt, 'a whole number >= 1'),
      config: {
        batch,
        latent: num('latent', v.latent, d.latent, posInt, 'a whole number >= 1'),
        lr: num('lr', v.lr, d.lr, (x) => x > 0, 'a positive number'),
        beta1: num('beta1', v.beta1, d.beta1, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
        seed: num('seed', v.seed, d.seed, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'a whole number from 0 to 4294967295'),
      },
      explicit: new Set(Object.keys(v)),
      out: v.out ?? 'out',
      steps: v.steps === undefined ? null : num('steps', v.steps, 0, posInt, 'a whole number >= 1'),
      resume: v.resume ?? null,
      data: v.data ?? null,
      verbose: v.verbose ?? false,
    };
    const gpu = await openGpu(v.adapter);
    return train(gpu, options);
  }
  if (command === 'generate') {
    const { values: v } = parseArgs({
      args: rest, strict: true,
      options: { ...common, model: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, interpolate: { type: 'boolean' } },
    });
    if (v.help) { console.log(USAGE); return 0; }
    if (v.model === undefined) throw new UsageError('generate needs --model FILE (a generator model_*.safetensors or a run.safetensors)');
    const options = {
      model: v.model,
      n: num('n', v.n, 100, posInt, 'a whole number >= 1'),
      seed: num('seed', v.seed, 1, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'a whole number from 0 to 4294967295'),
      out: v.out ?? 'generated.png',
      interpolate: v.interpolate ?? false,
    };
    const gpu = await openGpu(v.adapter);
    return generate(gpu, options);
  }
  throw new UsageError(`unknown command '${command}'`);
}

async function openGpu(adapter: string | undefined) {
  if (adapter !== undefined && !['auto', 'lavapipe', 'swiftshader'].includes(adapter)) throw new UsageError(`--adapter ${adapter}: expected auto, lavapipe or swiftshader`);
  const gpu = await createNodeGpu({ prefer: (adapter ?? 'auto') as 'auto' | 'lavapipe' | 'swiftshader' });
  console.log(`adapter: ${gpu.adapter.name} through Dawn${gpu.adapter.isCpu ? '; a CPU adapter is slow: see the README for a short run' : ''}`);
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
    // Known failures (bad files, no adapter) are sentences; anything else keeps its stack.
    const known = ['DataError', 'CheckpointError', 'GpuError', 'ShapeError'].includes(err.name) || err.constructor === Error;
    console.error(`error: ${known ? err.message : err.stack ?? err}`);
    process.exit(1);
  },
);
