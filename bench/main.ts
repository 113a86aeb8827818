// `npm run bench`: the benchmark harness in Node on Dawn (the `webgpu` package), on the
// adapter the CLI would pick (--adapter auto|lavapipe|swiftshader). Writes
// bench/results/<adapter>-<date>.json and prints the tables; `--compare A.json B.json` prints
// B's ratios to A. See bench/README.md. Exit codes: 1 error, 2 bad option, 3 refused to time
// (a correctness check failed).

import { createNodeGpu } from '../src/kernels/device-node';
import { loadMnistImages } from '../src/lsgan/mnist-node';
import { createJaxjsLsgan } from './peer/jaxjs-lsgan';
import { createTfjsLsgan } from './peer/tfjs-lsgan';
import { dawnInfo, machineInfo, parseCommandLine, readResult, sourceInfo, writeResult } from './harness/node-io';
import { OptionError, randomImages, RANDOM_IMAGES, resolveOptions, USAGE } from './harness/options';
import { compareResults, formatCompare, formatResult } from './harness/report';
import { BenchRefusal, runBench } from './harness/run';

async function main(): Promise<number> {
  const parsed = parseCommandLine(true);
  if (typeof parsed === 'number') return parsed;
  const raw = parsed.values;
  if (raw.compare) {
    if (parsed.positionals.length !== 2) {
      console.error('--compare needs two result files: --compare A.json B.json');
      return 2;
    }
    const [pa, pb] = parsed.positionals;
    console.log(formatCompare(compareResults(readResult(pa), readResult(pb)), pa, pb).join('\n'));
    return 0;
  }
  if (parsed.positionals.length > 0) {
    console.error(`unexpected argument ${parsed.positionals[0]}\n\n${USAGE}`);
    return 2;
  }
  const adapter = (raw.adapter ?? 'auto') as 'auto';
  if (!['auto', 'lavapipe', 'swiftshader'].includes(adapter)) {
    console.error(`--adapter ${adapter}: expected auto, lavapipe or swiftshader`);
    return 2;
  }
  const gpu = await createNodeGpu({ prefer: adapter });
  try {
    const o = resolveOptions(raw, { variant: 'node', isCpu: gpu.adapter.isCpu });
    const mnist = o.data === 'random' ? null : loadMnistImages(o.data ?? undefined);
    const images = mnist ?? randomImages();
    const log = (line: string) => console.log(line);
    const result = await runBench(
      {
        variant: 'node',
        gpu,
        images,
        data: mnist ? `MNIST training images (${mnist.count} x ${mnist.rows}x${mnist.cols}) from ${mnist.file}` : RANDOM_IMAGES,
        peers: { tfjs: async () => createTfjsLsgan, jaxjs: async () => createJaxjsLsgan },
        env: { dawn: dawnInfo(), node: process.version, browser: null, machine: machineInfo(), source: sourceInfo(), timestampResolution: 'full resolution (Dawn created with disable-dawn-features=timestamp_quantization)' },
        command: ['npm run bench --', ...process.argv.slice(2)].join(' '),
        log,
      },
      o,
    );
    const path = writeResult(o.out, result, o.tag);
    console.log('');
    console.log(formatResult(result).join('\n'));
    console.log(`\nwrote ${path}`);
    return 0;
  } catch (e) {
    if (e instanceof OptionError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof BenchRefusal) {
      console.error(e.message);
      return 3;
    }
    throw e;
  } finally {
    gpu.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
