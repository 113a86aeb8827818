// `npm run bench:browser`: the harness in headless Chromium. Serves bench/browser/index.html
// with a Vite dev server (so the page runs the same TypeScript and WGSL as Node), starts the
// system Chromium through Playwright (tests/chromium.ts: its binary and WebGPU flags, plus
// --enable-webgpu-developer-features for full-resolution timestamps), waits for the page's
// result and writes it as bench/results/chromium-<adapter>-<date>.json.
// Options are the Node harness's (bench/harness/options.ts); the defaults on a CPU adapter
// are small (SwiftShader: ~50 s per iteration at batch 16). Exit codes as bench/main.ts.

import { existsSync } from 'node:fs';
import { chromiumArgs, chromiumPath } from '../../tests/chromium';
import { machineInfo, parseCommandLine, sourceInfo, writeResult } from '../harness/node-io';
import { formatResult } from '../harness/report';
import type { BenchResult } from '../harness/types';

// Loaded at run time from node_modules, not bundled into dist-node (a variable specifier keeps
// the bundler's hands off).
const load = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

interface PageState {
  done: boolean;
  result?: BenchResult;
  error?: string;
  kind?: 'refusal' | 'options' | 'error';
}

async function main(): Promise<number> {
  const parsed = parseCommandLine(false);
  if (typeof parsed === 'number') return parsed;
  const raw = parsed.values;
  if (raw.compare || raw.adapter || raw.data) {
    console.error('--compare, --adapter and --data are for `npm run bench` (Node); the browser uses its own adapter and random images');
    return 2;
  }
  const root = process.cwd();
  if (!existsSync(`${root}/bench/browser/index.html`)) {
    console.error(`run from the project root (no bench/browser/index.html under ${root})`);
    return 1;
  }
  const vite = (await load('vite')) as typeof import('vite');
  const { chromium } = (await load('playwright')) as typeof import('playwright');
  const server = await vite.createServer({
    configFile: false,
    root,
    logLevel: 'warn',
    // No file watching and no HMR: an edit to src/ during a long run must not reload the page.
    server: { host: '127.0.0.1', port: 5199, strictPort: false, hmr: false, watch: null },
    optimizeDeps: { entries: ['bench/browser/index.html'] },
  });
  await server.listen();
  const base = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5199/';
  const flags = [...chromiumArgs(), '--enable-webgpu-developer-features'];
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: flags, headless: true });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(m.text()));
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    const options = { ...raw, command: ['npm run bench:browser --', ...process.argv.slice(2)].join(' '), developerFeatures: true };
    await page.goto(`${base}bench/browser/index.html?options=${encodeURIComponent(JSON.stringify(options))}`);
    await page.waitForFunction(() => (window as { __bench?: PageState }).__bench?.done === true, undefined, { timeout: 0, polling: 1000 });
    const state = (await page.evaluate(() => (window as { __bench?: PageState }).__bench)) as PageState;
    if (state.error !== undefined || state.result === undefined) {
      console.error(state.error ?? 'the page finished without a result');
      return state.kind === 'refusal' ? 3 : state.kind === 'options' ? 2 : 1;
    }
    const r = state.result;
    const env = r.environment;
    env.node = process.version;
    env.browser = { name: 'Chromium (headless, Playwright)', version: browser.version(), userAgent: env.browser?.userAgent ?? '', flags, developerFeatures: true };
    env.machine = { ...machineInfo(), hardwareConcurrency: env.machine.hardwareConcurrency };
    env.source = sourceInfo();
    const path = writeResult(typeof raw.out === 'string' ? raw.out : 'bench/results', r, typeof raw.tag === 'string' ? raw.tag : null);
    console.log('');
    console.log(formatResult(r).join('\n'));
    console.log(`\nwrote ${path}`);
    return 0;
  } finally {
    await browser.close();
    await server.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
