// The browser demo end to end: `npm run build`'s static site, served by a static file server
// (Vite's preview), driven by Playwright in the system's headless Chromium on SwiftShader.
// SwiftShader needs ~20 s per iteration even at batch 2, so the page is opened with a small
// batch and 20-digit pictures; one page is used throughout, in order.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { chromium, type Browser, type Page } from 'playwright';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generate } from '../src/cli/generate';
import { createNodeGpu } from '../src/kernels/device-node';
import type { Gpu } from '../src/kernels/gpu';
import { loadJudgeFiles } from '../src/cli/judge-files';
import { generatorMeta, loadGenerator, readRun, saveGenerator } from '../src/lsgan/checkpoint';
import { buildGenerator } from '../src/lsgan/models';
import { GeneratorScorer } from '../src/lsgan/score';
import { Lsgan, TUTORIAL, type Losses } from '../src/lsgan/lsgan';
import { loadMnistImages } from '../src/lsgan/mnist-node';
import { chromiumArgs, chromiumPath } from './chromium';

const root = join(import.meta.dirname, '..');
const config = join(root, 'vite.demo.config.ts');
const work = mkdtempSync(join(tmpdir(), 'lsgan-demo-'));
/** Screenshots are kept as artifacts of the run. */
const artifacts = join(root, 'test-results');
const BATCH = 2, DIGITS = 20, REFRESH = 10, SEED = 1;
const MINUTE = 60_000;

let server: PreviewServer;
let browser: Browser;
let page: Page;
let nodeGpu: Gpu;
const problems: string[] = [];

beforeAll(async () => {
  await build({ configFile: config, logLevel: 'warn' });
  server = await preview({ configFile: config, preview: { port: 0, host: '127.0.0.1' } });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1600 } });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  nodeGpu = await createNodeGpu({ prefer: 'auto' });
  mkdirSync(artifacts, { recursive: true });
}, 3 * MINUTE);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  nodeGpu?.destroy();
});

const url = () => server.resolvedUrls!.local[0];
const body = (key: string) => page.evaluate((k) => document.body.dataset[k] ?? '', key);
const text = (id: string) => page.evaluate((i) => document.getElementById(i)!.textContent ?? '', id);
const step = async () => Number(await text('stat-step'));

/** A canvas's gray levels (the red channel; the pictures are gray). */
async function canvasGray(id: string): Promise<{ width: number; height: number; gray: number[] }> {
  return page.evaluate((i) => {
    const c = document.getElementById(i) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return { width: c.width, height: c.height, gray: Array.from({ length: c.width * c.height }, (_, k) => d[4 * k]) };
  }, id);
}

async function waitFor(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}; page says: ${await text('message')}; problems: ${problems.join(' | ')}`);
    await page.waitForTimeout(1000);
  }
}

async function downloadFile(button: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 5 * MINUTE }), page.click(`#${button}`)]);
  const file = join(work, d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), bytes: new Uint8Array(readFileSync(file)) };
}

/** Generates `n` digits for `seed` in the page, returning the picture's gray levels. */
async function pageGenerate(seed: number) {
  const before = await body('generated');
  await page.fill('#gen-seed', String(seed));
  await page.click('#generate');
  await waitFor('the generated grid', 5 * MINUTE, async () => (await body('generated')) !== before);
  return canvasGray('gen-grid');
}

/** `lsgan generate --model FILE --n DIGITS --seed S`, in process on Dawn, decoded. */
async function cliGenerate(model: string, seed: number) {
  const out = join(work, `cli-${seed}.png`);
  await generate(nodeGpu, { model, n: DIGITS, seed, out, interpolate: false });
  const png = decode(readFileSync(out));
  return { width: png.width, height: png.height, gray: Array.from(png.data) };
}

/** `lsgan score --model FILE --n N` in process on Dawn (the shipped judge, seed 1). */
async function scoreInNode(model: string, n: number) {
  const bytes = new Uint8Array(readFileSync(model));
  const { st, latent } = generatorMeta(model, bytes);
  const g = buildGenerator(nodeGpu, latent);
  loadGenerator(nodeGpu, model, st, g);
  const j = loadJudgeFiles(nodeGpu, join(root, 'judge'));
  const scorer = await GeneratorScorer.create(nodeGpu, j.judge, g, 1);
  const s = await scorer.score(n, j.stats);
  scorer.destroy();
  j.judge.destroy();
  g.destroy();
  return s;
}

/** Two renderings of the same generator on different adapters differ by float rounding only. */
function expectSamePixels(a: { width: number; height: number; gray: number[] }, b: { width: number; height: number; gray: number[] }): void {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let worst = 0, differ = 0;
  a.gray.forEach((v, i) => {
    const d = Math.abs(v - b.gray[i]);
    worst = Math.max(worst, d);
    if (d > 0) differ++;
  });
  console.log(`page vs CLI pixels: max difference ${worst} gray levels, ${differ} of ${a.gray.length} pixels differ`);
  // One gray level is 1/255 of the range: rounding of values within ~1e-5 of each other.
  expect(worst).toBeLessThanOrEqual(1);
  expect(differ / a.gray.length).toBeLessThan(0.01);
}

describe('the browser demo (static build, headless Chromium)', () => {
  test('loads, trains 20 iterations, and the live grid is drawn and changes', async () => {
    await page.goto(`${url()}?batch=${BATCH}&digits=${DIGITS}&refresh=${REFRESH}&seed=${SEED}&autostart=1`);
    await waitFor('the model', 5 * MINUTE, async () => (await body('state')) === 'ready');
    expect(await text('adapter-name')).toMatch(/swiftshader/i);
    expect(await text('mnist-status')).toContain('60,000 training images');
    await waitFor('the first live grid', 3 * MINUTE, async () => Number(await body('gridStep')) === 0 && (await body('gridVersion')) !== '');
    const first = await canvasGray('live-grid');
    await waitFor(`iteration ${REFRESH}'s grid`, 10 * MINUTE, async () => Number(await body('gridStep')) === REFRESH);
    const tenth = await canvasGray('live-grid');
    await waitFor(`iteration ${2 * REFRESH}'s grid`, 10 * MINUTE, async () => Number(await body('gridStep')) === 2 * REFRESH);
    const twentieth = await canvasGray('live-grid');
    expect(await step()).toBeGreaterThanOrEqual(20);
    // Not blank: the tiles hold many gray levels, not one flat colour.
    for (const g of [first, tenth, twentieth]) expect(new Set(g.gray).size).toBeGreaterThan(20);
    // Early on the pictures change slowly: predict() normalises with the moving statistics,
    // which after n iterations still hold 0.99^n of their initial values. Seen at batch 2:
    // 112 (0->10) and 1,552 (10->20) of 80,784 pixels moved by more than 8 gray levels.
    const changed = (a: number[], b: number[], by: number) => a.filter((v, i) => Math.abs(v - b[i]) > by).length;
    const report = (a: number[], b: number[]) => `${changed(a, b, 0)} changed, ${changed(a, b, 8)} by more than 8 levels`;
    console.log(`live grid pixels, of ${first.gray.length}: 0->${REFRESH}: ${report(first.gray, tenth.gray)}; ${REFRESH}->${2 * REFRESH}: ${report(tenth.gray, twentieth.gray)}`);
    expect(changed(first.gray, tenth.gray, 0)).toBeGreaterThan(0.01 * first.gray.length);
    expect(changed(tenth.gray, twentieth.gray, 0)).toBeGreaterThan(0.01 * first.gray.length);
    expect(problems).toEqual([]);
  }, 30 * MINUTE);

  test('the profiler times every kernel of an iteration, by phase', async () => {
    const before = await step();
    await page.click('#profile');
    await waitFor('the profile', 5 * MINUTE, async () => (await page.locator('#profile-table tr').count()) > 5);
    expect(await text('profile-note')).toMatch(/GPU timestamps/);
    const phases = await page.locator('#profile-phases div').allTextContents();
    expect(phases.map((p) => p.split(' ')[0])).toEqual(['inputs', 'd_real', 'd_fake', 'gan']);
    const shares = phases.map((p) => Number(p.match(/(\d+)%/)![1]));
    expect(Math.abs(shares.reduce((a, b) => a + b, 0) - 100)).toBeLessThanOrEqual(4);
    expect(await text('profile-table')).toMatch(/\d+ kernels in all/);
    await waitFor('the profiled iteration counted', MINUTE, async () => (await step()) > before);
  }, 10 * MINUTE);

  test('the losses shown are finite, are the library\'s, and match the library run in Node', async () => {
    await page.click('#pause');
    await waitFor('the pause', 5 * MINUTE, async () => (await body('running')) === 'false');
    const shown = JSON.parse((await page.getAttribute('#stat-losses', 'data-losses'))!) as Losses;
    const file = await downloadFile('download-run');
    expect(file.name).toBe('run.safetensors');
    const run = readRun(file.name, file.bytes);
    expect(run.config).toEqual({ batch: BATCH, latent: TUTORIAL.latent, lr: TUTORIAL.lr, beta1: TUTORIAL.beta1, seed: SEED });
    const h = run.st.tensors.get('history/losses')!;
    expect(h.shape).toEqual([run.step, 3]);
    expect(Array.from(h.data).every(Number.isFinite)).toBe(true);
    // The figures on the page are the iteration's own, as the library delivered them.
    expect(shown.step).toBe(run.step);
    expect([shown.d1, shown.d2, shown.g]).toEqual(Array.from(h.data.subarray(3 * run.step - 3)));
    // The same seed and settings through the library on Dawn in Node. Iteration 1 happens
    // before any update, so only float rounding separates the two adapters (seen: 3.5e-5).
    // Then the runs drift apart: Adam's first steps move every weight by about lr whatever
    // the gradient's size, so rounding-level gradients near zero become whole steps. Seen at
    // iteration 2: 7.7e-4; at iteration 3 a loss of 6e-4 differed by 27%, so only 2 compare.
    const m = await Lsgan.create(nodeGpu, run.config, loadMnistImages());
    const node: Losses[] = [];
    m.onLosses((l) => node.push(l));
    for (let i = 0; i < 2; i++) await m.trainStep();
    await m.flush();
    m.destroy();
    node.forEach((l, i) => {
      const shownThen = Array.from(h.data.subarray(3 * i, 3 * i + 3));
      const rel = Math.max(...[l.d1, l.d2, l.g].map((v, k) => Math.abs(v - shownThen[k]) / Math.max(1e-3, Math.abs(v))));
      console.log(`iteration ${i + 1}: Node ${[l.d1, l.d2, l.g].map((v) => v.toPrecision(6))}, page ${shownThen.map((v) => v.toPrecision(6))}, max relative difference ${rel.toExponential(2)}`);
      expect(rel).toBeLessThan(i === 0 ? 1e-4 : 1e-2);
    });
  }, 10 * MINUTE);

  test('a generator downloaded from the page generates the same pixels in the CLI', async () => {
    const file = await downloadFile('download-generator');
    expect(file.name).toMatch(/^model_\d{6}\.safetensors$/);
    const pagePixels = await pageGenerate(7);
    expectSamePixels(pagePixels, await cliGenerate(join(work, file.name), 7));
  }, 15 * MINUTE);

  test('Score: the judge scores the live generator in the page as the library does in Node', async () => {
    if ((await body('running')) === 'true') {
      await page.click('#pause');
      await waitFor('the pause', 5 * MINUTE, async () => (await body('running')) === 'false');
    }
    const file = await downloadFile('download-generator');
    await page.fill('#score-n', '10');
    await page.click('#score');
    await waitFor('the score', 10 * MINUTE, async () => (await body('score')) !== '');
    const [step, fd] = (await body('score')).split(':').map(Number);
    expect(await text('score-result')).toMatch(new RegExp(`^iteration ${step}: Fréchet distance \\d+\\.\\d\\d over 10 digits, confidence 0\\.\\d{3}, classes 0:\\d+ `));
    expect(file.name).toBe(`model_${String(step).padStart(6, '0')}.safetensors`);
    const node = await scoreInNode(join(work, file.name), 10);
    console.log(`Score, 10 digits: page FD ${fd}, Node ${node.fd} (${node.classes.join(' ')})`);
    // Two adapters (SwiftShader here, lavapipe in Node) round the generator and the judge
    // differently, by ~1e-7 of each feature; seen: the distances agree to 2e-10.
    expect(Math.abs(fd - node.fd)).toBeLessThan(1e-5 * node.fd);
    expect(problems).toEqual([]);
  }, 15 * MINUTE);

  test('a generator saved by the library in Node loads in the page and generates the same pixels', async () => {
    const m = await Lsgan.create(nodeGpu, { ...TUTORIAL, batch: BATCH, seed: 5 }, loadMnistImages());
    await m.trainStep();
    await m.flush();
    const model = join(work, 'model_000001.safetensors');
    writeFileSync(model, await saveGenerator(nodeGpu, m.g, { ...m.config, step: m.step }));
    m.destroy();
    await page.setInputFiles('#upload', model);
    await waitFor('the upload', 5 * MINUTE, async () => (await text('message')).includes('loaded the generator model_000001.safetensors'));
    expectSamePixels(await pageGenerate(3), await cliGenerate(model, 3));
  }, 15 * MINUTE);

  test('an invalid checkpoint is rejected with a message and the page still trains', async () => {
    await page.setInputFiles('#upload', { name: 'not-a-model.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a safetensors file') });
    await waitFor('the rejection', MINUTE, async () => (await text('message')).includes('not-a-model.safetensors'));
    expect(await page.getAttribute('#message', 'class')).toContain('error');
    console.log(`rejection shown: ${await text('message')}`);
    const before = await step();
    await page.click('#start');
    await waitFor('another iteration', 5 * MINUTE, async () => (await step()) > before);
    await page.click('#pause');
    await waitFor('the pause', 5 * MINUTE, async () => (await body('running')) === 'false');
    expect(problems).toEqual([]);
  }, 10 * MINUTE);

  test('a whole-run checkpoint loads back: the step, the settings and the loss history', async () => {
    const file = join(work, 'run.safetensors');
    const run = readRun(file, new Uint8Array(readFileSync(file)));
    await page.setInputFiles('#upload', file);
    await waitFor('the run to load', 5 * MINUTE, async () => (await text('message')).includes('loaded the run run.safetensors'));
    expect(await step()).toBe(run.step);
    expect(await page.inputValue('#batch')).toBe(String(run.config.batch));
    const shown = JSON.parse((await page.getAttribute('#stat-losses', 'data-losses'))!) as Losses;
    expect([shown.d1, shown.d2, shown.g]).toEqual(Array.from(run.st.tensors.get('history/losses')!.data.subarray(3 * run.step - 3)));
    await page.screenshot({ path: join(artifacts, 'demo.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 10 * MINUTE);

  test('without WebGPU the page says what is missing', async () => {
    const context = await browser.newContext();
    const bare = await context.newPage();
    await bare.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
    await bare.goto(url());
    await bare.waitForSelector('#unsupported:not([hidden])', { timeout: MINUTE });
    expect(await bare.textContent('#unsupported-reason')).toMatch(/does not offer WebGPU/);
    await context.close();
  }, 2 * MINUTE);
});
