// The browser variant's page: the same harness (bench/harness/run.ts) on navigator.gpu. Its
// driver (bench/browser/run.ts) opens it with ?options=<JSON of the raw command-line options>
// and reads window.__bench back when done. The images are random bytes of MNIST's shape and
// count (the speed does not depend on the pixel values), so the page needs no data files.

import { createGpu } from '../../src/kernels/gpu';
import { OptionError, randomImages, RANDOM_IMAGES, resolveOptions, type RawOptions } from '../harness/options';
import { BenchRefusal, runBench } from '../harness/run';
import type { BenchResult } from '../harness/types';

interface BenchState {
  done: boolean;
  result?: BenchResult;
  error?: string;
  kind?: 'refusal' | 'options' | 'error';
}

declare global {
  interface Window {
    __bench?: BenchState;
  }
}

const pre = document.getElementById('log')!;
const log = (line: string) => {
  console.log(line);
  pre.textContent += `\n${line}`;
};

async function main(): Promise<BenchState> {
  const raw = JSON.parse(new URLSearchParams(location.search).get('options') ?? '{}') as RawOptions & { command?: string; developerFeatures?: boolean };
  if (navigator.gpu === undefined) return { done: true, kind: 'error', error: 'navigator.gpu is undefined: this browser has no WebGPU (Chromium needs --enable-unsafe-webgpu on Linux)' };
  const gpu = await createGpu(navigator.gpu, 'headless Chromium');
  try {
    const o = resolveOptions(raw, { variant: 'browser', isCpu: gpu.adapter.isCpu });
    const images = randomImages(60_000);
    const result = await runBench(
      {
        variant: 'browser',
        gpu,
        images,
        data: RANDOM_IMAGES,
        peers: {
          tfjs: async () => (await import('../peer/tfjs-lsgan')).createTfjsLsgan,
          jaxjs: async () => (await import('../peer/jaxjs-lsgan')).createJaxjsLsgan,
        },
        env: {
          dawn: null,
          node: '',
          browser: { name: 'Chromium', version: '', userAgent: navigator.userAgent, flags: [], developerFeatures: raw.developerFeatures === true },
          machine: { os: '', release: '', arch: '', cpuModel: '', cores: 0, memoryBytes: 0, hardwareConcurrency: navigator.hardwareConcurrency },
          timestampResolution: raw.developerFeatures === true
            ? 'full resolution (Chromium started with --enable-webgpu-developer-features)'
            : 'quantised by Chromium to 100 us (no --enable-webgpu-developer-features)',
        },
        command: raw.command ?? 'npm run bench:browser',
        log,
      },
      o,
    );
    return { done: true, result };
  } catch (e) {
    if (e instanceof OptionError) return { done: true, kind: 'options', error: e.message };
    if (e instanceof BenchRefusal) return { done: true, kind: 'refusal', error: e.message };
    return { done: true, kind: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  } finally {
    gpu.destroy();
  }
}

main().then(
  (state) => {
    window.__bench = state;
    log(state.error ? `failed: ${state.error}` : 'done');
  },
  (e) => {
    window.__bench = { done: true, kind: 'error', error: String(e) };
  },
);
