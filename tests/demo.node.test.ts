// The browser demo end to end: `npm run build`'s site on a plain static file server, driven by
// Playwright in the system's headless Chromium on SwiftShader (the cpu kernel family: well
// under a second per iteration at batch 2), one page throughout, in order. The site is served
// with a trained generator: the shipped pretrained/generator.safetensors when the build has
// one, else one made here as `lsgan train --steps 2` makes it (with a score in its metadata).
// The page without one, bad settings, `vite preview` and the phone layout: demo-ui.node.test.ts.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNodeGpu } from '../src/kernels/device-node';
import type { Gpu } from '../src/kernels/gpu';
import { generatorMeta, readRun, saveGenerator } from '../src/lsgan/checkpoint';
import { Lsgan, TUTORIAL, type Losses } from '../src/lsgan/lsgan';
import { loadMnistImages } from '../src/lsgan/mnist-node';
import { bodyData, buildSite, canvasGray, launch, layout, makeGenerator, MINUTE, newPage, root, staticSite, stepOf, textOf, TRAINED_PATH, waitFor } from './helpers/demo-site';
import { cliGenerate as cliGenerateIn, expectSamePixels, scoreInNode } from './helpers/demo-compare';

const work = mkdtempSync(join(tmpdir(), 'lsgan-demo-'));
const site = join(work, 'site');
/** Screenshots are kept as artifacts of the run; one of each size is copied into docs/. */
const artifacts = join(root, 'test-results');
const BATCH = 2, DIGITS = 20, REFRESH = 10, SEED = 1;

let server: { url: string; close: () => Promise<void> };
let browser: Browser;
let page: Page;
let nodeGpu: Gpu;
/** The trained generator the site serves: its step, and the score its metadata holds. */
let trained: { step: number; score: string | null };
const problems: string[] = [];

beforeAll(async () => {
  nodeGpu = await createNodeGpu({ prefer: 'auto' });
  await buildSite(site);
  const shipped = join(site, TRAINED_PATH);
  if (existsSync(shipped)) {
    const bytes = new Uint8Array(readFileSync(shipped));
    trained = { step: generatorMeta(shipped, bytes).step, score: null };
    server = await staticSite(site);
  } else {
    const bytes = await makeGenerator(nodeGpu, 2, JSON.stringify({ fd: 123.456, n: 1000 }));
    trained = { step: 2, score: 'Fréchet distance 123.46 over 1,000 digits' };
    server = await staticSite(site, { [TRAINED_PATH]: bytes });
  }
  browser = await launch();
  page = await newPage(browser, problems, { width: 1280, height: 800 });
  mkdirSync(artifacts, { recursive: true });
}, 3 * MINUTE);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  nodeGpu?.destroy();
});

const body = (key: string) => bodyData(page, key);
const text = (id: string) => textOf(page, id);
const step = () => stepOf(page);
const until = (what: string, ms: number, ok: () => Promise<boolean>) => waitFor(page, what, ms, ok, problems);

async function downloadFile(button: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 5 * MINUTE }), page.click(`#${button}`)]);
  const file = join(work, d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), bytes: new Uint8Array(readFileSync(file)) };
}

/** Generates digits of the live generator for `seed` in the page; the button is busy meanwhile. */
async function pageGenerate(seed: number) {
  const before = await body('generated');
  await page.selectOption('#gen-which', 'live');
  await page.fill('#gen-seed', String(seed));
  await page.click('#generate');
  expect(await page.getAttribute('#generate', 'aria-busy')).toBe('true');
  expect(await page.isDisabled('#generate')).toBe(true);
  await until('the generated grid', 5 * MINUTE, async () => (await body('generated')) !== before);
  expect(await page.getAttribute('#generate', 'aria-busy')).toBe('false');
  return canvasGray(page, 'gen-grid');
}

const cliGenerate = (model: string, seed: number) => cliGenerateIn(nodeGpu, work, model, DIGITS, seed);

async function pause(): Promise<void> {
  await page.click('#pause');
  await until('the pause', 5 * MINUTE, async () => (await body('running')) === 'false');
}

describe('the browser demo (static build, headless Chromium)', () => {
  test('shows the trained generator\'s digits at once, labelled, and trains 20 iterations live', async () => {
    await page.goto(`${server.url}?batch=${BATCH}&digits=${DIGITS}&refresh=${REFRESH}&seed=${SEED}&autostart=1`);
    await until('the trained generator\'s digits', 3 * MINUTE, async () => (await body('trained')) !== '');
    const label = await text('trained-status');
    console.log(`trained panel: ${label}`);
    expect(label).toMatch(new RegExp(`^trained by this project: ${trained.step.toLocaleString('en-US')} iterations`));
    if (trained.score !== null) expect(label).toContain(`score ${trained.score}`);
    expect(new Set((await canvasGray(page, 'trained-grid')).gray).size).toBeGreaterThan(20);
    await until('the model', 5 * MINUTE, async () => (await body('state')) === 'ready');
    expect(await text('adapter-name')).toMatch(/swiftshader/i);
    expect(await text('mnist-status')).toContain('60,000 training images, 100%');
    expect(await body('trainedWalk')).toBe('drawn');
    await until('the first live grid', 3 * MINUTE, async () => Number(await body('gridStep')) === 0 && (await body('gridVersion')) !== '');
    const first = await canvasGray(page, 'live-grid');
    await until(`iteration ${REFRESH}'s grid`, 10 * MINUTE, async () => Number(await body('gridStep')) === REFRESH);
    const tenth = await canvasGray(page, 'live-grid');
    await until(`iteration ${2 * REFRESH}'s grid`, 10 * MINUTE, async () => Number(await body('gridStep')) === 2 * REFRESH);
    const twentieth = await canvasGray(page, 'live-grid');
    expect(await step()).toBeGreaterThanOrEqual(20);
    for (const g of [first, tenth, twentieth]) expect(new Set(g.gray).size).toBeGreaterThan(20);
    // Early on the pictures change slowly: predict() normalises with the moving statistics,
    // which after n iterations still hold 0.99^n of their initial values.
    const changed = (a: number[], b: number[]) => a.filter((v, i) => v !== b[i]).length;
    console.log(`live grid pixels changed, of ${first.gray.length}: 0->${REFRESH}: ${changed(first.gray, tenth.gray)}; ${REFRESH}->${2 * REFRESH}: ${changed(tenth.gray, twentieth.gray)}`);
    expect(changed(first.gray, tenth.gray)).toBeGreaterThan(0.01 * first.gray.length);
    expect(changed(tenth.gray, twentieth.gray)).toBeGreaterThan(0.01 * first.gray.length);
    // The rate as seconds per iteration below one a second, the ETA saying what it counts.
    expect(await text('stat-rate')).toMatch(/^\d[\d.]* (iterations\/s|s per iteration)$/);
    expect(await text('stat-eta')).toMatch(/ for the remaining [\d,]+ of 600,000 iterations \(20 epochs at batch 2: as many images as the tutorial's 18,740 iterations at batch 64\)$/);
    expect(await text('explain-speed')).toMatch(/an iteration at batch 2 takes .* \(measured\)/);
    expect(problems).toEqual([]);
  }, 30 * MINUTE);

  test('Start, the live grid and the chart are above the fold at 1280x800', async () => {
    await page.evaluate(() => scrollTo(0, 0));
    for (const id of ['start', 'live-grid', 'chart', 'trained-grid']) {
      const b = (await page.locator(`#${id}`).boundingBox())!;
      console.log(`${id}: y ${b.y.toFixed(0)}..${(b.y + b.height).toFixed(0)}`);
      expect(b.y + b.height).toBeLessThanOrEqual(800);
    }
    await page.screenshot({ path: join(artifacts, 'demo-1280.png') });
  });

  test('the counter moves every iteration, and Pause lands at the next iteration boundary, said at once', async () => {
    // Every value the counter shows, as it changes.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { seen: number[] }).seen = seen;
      new MutationObserver(() => seen.push(Number(document.getElementById('stat-step')!.textContent!.replace(/,/g, '')))).observe(document.getElementById('stat-step')!, { childList: true, characterData: true, subtree: true });
    });
    const from = await step();
    await until('five more iterations', 5 * MINUTE, async () => (await step()) >= from + 5);
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    const distinct = seen.filter((v, i) => i === 0 || v !== seen[i - 1]);
    console.log(`counter values seen: ${distinct.join(' ')}`);
    distinct.slice(1).forEach((v, i) => expect(v - distinct[i]).toBe(1));
    // Click and read the counter in the same task, so no loss message slips in between.
    const clickedAt = await page.evaluate(() => {
      const s = Number(document.getElementById('stat-step')!.textContent!.replace(/,/g, ''));
      document.getElementById('pause')!.click();
      return { step: s, t: performance.now() };
    });
    const ack = await page.waitForFunction(() => /pausing after iteration ([\d,]+)/.exec(document.getElementById('train-note')!.textContent ?? '')?.[1] ?? null, null, { timeout: 1000, polling: 20 });
    const after = Number((await ack.jsonValue())!.replace(/,/g, ''));
    const said = await page.evaluate((t) => performance.now() - t, clickedAt.t);
    await until('the pause', 5 * MINUTE, async () => (await body('running')) === 'false');
    console.log(`Pause clicked at iteration ${clickedAt.step}: "pausing after iteration ${after}" within ${said.toFixed(0)} ms; stopped at ${await step()}`);
    // One iteration in flight on a CPU adapter: the one after the counter's.
    expect(after).toBeLessThanOrEqual(clickedAt.step + 1);
    await page.waitForTimeout(2000);
    expect(await step()).toBe(after);
    expect(await text('train-note')).toBe(`paused after iteration ${after.toLocaleString('en-US')}`);
    expect(await page.isEnabled('#start')).toBe(true);
  }, 10 * MINUTE);

  test('the profiler times every kernel of an iteration, by phase', async () => {
    const before = await step();
    await page.click('#profile');
    expect(await page.getAttribute('#profile', 'aria-busy')).toBe('true');
    await until('the profile', 5 * MINUTE, async () => (await page.locator('#profile-table tr').count()) > 5);
    expect(await text('profile-note')).toMatch(/GPU timestamps/);
    const phases = await page.locator('#profile-phases div').allTextContents();
    expect(phases.map((p) => p.split(' ')[0])).toEqual(['inputs', 'd_real', 'd_fake', 'gan']);
    const shares = phases.map((p) => Number(p.match(/(\d+)%/)![1]));
    expect(Math.abs(shares.reduce((a, b) => a + b, 0) - 100)).toBeLessThanOrEqual(4);
    expect(await text('profile-table')).toMatch(/\d+ kernels in all/);
    // Memory throughput in a unit that shows it (two decimals of GB/s read 0.00 on most rows).
    const memory = await page.locator('#profile-table tr td:nth-child(6)').allTextContents();
    const rows = memory.filter((m) => m !== '');
    expect(rows.every((m) => /^(–|[1-9]\d*(\.\d+)? [kMG]B\/s|0\.\d*[1-9]\d* [kMG]B\/s)$/.test(m))).toBe(true);
    await until('the profiled iteration counted', MINUTE, async () => (await step()) > before);
  }, 10 * MINUTE);

  test('Reset clears the losses, the chart and the messages at once, and the page trains on', async () => {
    await page.click('#start');
    await until('an iteration', 5 * MINUTE, async () => (await body('running')) === 'true' && (await step()) > 0);
    const cleared = await page.evaluate(() => {
      document.getElementById('reset')!.click();
      return {
        step: document.getElementById('stat-step')!.textContent,
        losses: document.getElementById('stat-losses')!.textContent,
        chart: document.getElementById('chart')!.getAttribute('aria-label'),
        profile: document.getElementById('profile-note')!.textContent,
        start: (document.getElementById('start') as HTMLButtonElement).disabled,
      };
    });
    expect(cleared).toEqual({ step: '0', losses: '–', chart: 'Loss chart: no iterations yet', profile: '', start: true });
    await until('the fresh model', 5 * MINUTE, async () => (await body('state')) === 'ready');
    expect(await step()).toBe(0);
    await page.click('#start');
    await until('three iterations of the fresh run', 5 * MINUTE, async () => (await step()) >= 3);
    expect(await page.getAttribute('#chart', 'aria-label')).toMatch(/^Loss chart over iterations 1 to \d/);
  }, 10 * MINUTE);

  test('the losses shown are finite, are the library\'s, and match the library run in Node', async () => {
    await pause();
    const shown = JSON.parse((await page.getAttribute('#stat-losses', 'data-losses'))!) as Losses;
    const file = await downloadFile('download-run');
    expect(file.name).toBe('run.safetensors');
    const run = readRun(file.name, file.bytes);
    expect(run.config).toEqual({ batch: BATCH, latent: TUTORIAL.latent, lr: TUTORIAL.lr, beta1: TUTORIAL.beta1, seed: SEED });
    const h = run.st.tensors.get('history/losses')!;
    expect(h.shape).toEqual([run.step, 3]);
    expect(Array.from(h.data).every(Number.isFinite)).toBe(true);
    expect(shown.step).toBe(run.step);
    expect([shown.d1, shown.d2, shown.g]).toEqual(Array.from(h.data.subarray(3 * run.step - 3)));
    // The same seed and settings through the library on Dawn in Node. Iteration 1 happens
    // before any update, so only float rounding separates the two adapters (seen: 3.5e-5).
    // Then the runs drift apart: Adam's first steps move every weight by about lr whatever
    // the gradient's size, so rounding-level gradients near zero become whole steps.
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
    const file = await downloadFile('download-generator');
    await page.selectOption('#score-which', 'live');
    await page.fill('#score-n', '10');
    await page.click('#score');
    expect(await page.getAttribute('#score', 'aria-busy')).toBe('true');
    await until('the score', 10 * MINUTE, async () => (await body('score')) !== '');
    const [at, fd] = (await body('score')).split(':').map(Number);
    expect(await text('score-result')).toMatch(new RegExp(`^the live generator, iteration ${at}: Fréchet distance \\d+\\.\\d\\d over 10 digits, confidence 0\\.\\d{3}, classes 0:\\d+ `));
    expect(file.name).toBe(`model_${String(at).padStart(6, '0')}.safetensors`);
    const node = await scoreInNode(nodeGpu, join(work, file.name), 10);
    console.log(`Score, 10 digits: page FD ${fd}, Node ${node.fd} (${node.classes.join(' ')})`);
    // Two adapters (SwiftShader here, lavapipe in Node) round differently, by ~1e-7 of each feature.
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
    await until('the upload', 5 * MINUTE, async () => (await text('checkpoint-note')).includes('loaded the generator model_000001.safetensors'));
    expectSamePixels(await pageGenerate(3), await cliGenerate(model, 3));
  }, 15 * MINUTE);

  test('an invalid checkpoint is rejected next to the upload, and the page still trains', async () => {
    await page.setInputFiles('#upload', { name: 'not-a-model.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a safetensors file') });
    await until('the rejection', MINUTE, async () => (await text('checkpoint-note')).includes('not-a-model.safetensors'));
    expect(await page.getAttribute('#checkpoint-note', 'data-kind')).toBe('error');
    console.log(`rejection shown: ${await text('checkpoint-note')}`);
    expect(await page.isEnabled('#upload')).toBe(true);
    const before = await step();
    await page.click('#start');
    await until('another iteration', 5 * MINUTE, async () => (await step()) > before);
    await pause();
    expect(problems).toEqual([]);
  }, 10 * MINUTE);

  test('a whole-run checkpoint loads back: the step, the settings and the loss history', async () => {
    const file = join(work, 'run.safetensors');
    const run = readRun(file, new Uint8Array(readFileSync(file)));
    await page.setInputFiles('#upload', file);
    await until('the run to load', 5 * MINUTE, async () => (await text('checkpoint-note')).includes('loaded the run run.safetensors'));
    expect(await step()).toBe(run.step);
    expect(await page.inputValue('#batch')).toBe(String(run.config.batch));
    const shown = JSON.parse((await page.getAttribute('#stat-losses', 'data-losses'))!) as Losses;
    expect([shown.d1, shown.d2, shown.g]).toEqual(Array.from(run.st.tensors.get('history/losses')!.data.subarray(3 * run.step - 3)));
    await page.screenshot({ path: join(artifacts, 'demo.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 10 * MINUTE);

  test('at 390x844 (a phone): one column, no sideways scroll, no overlapping panels', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    const l = await layout(page);
    console.log(`390 px: scrollWidth ${l.scrollWidth}, ${l.panels.length} panels, overflowing: [${l.overflowing.join(', ')}], overlaps: [${l.overlaps.join(', ')}]`);
    expect(l.scrollWidth).toBeLessThanOrEqual(l.width);
    expect(l.overflowing).toEqual([]);
    expect(l.overlaps).toEqual([]);
    // One column: every panel spans (nearly) the whole width.
    for (const p of l.panels) expect(p.right - p.left).toBeGreaterThan(0.9 * (l.width - 24));
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(artifacts, 'demo-390.png') });
    mkdirSync(join(root, 'docs'), { recursive: true });
    copyFileSync(join(artifacts, 'demo-1280.png'), join(root, 'docs', 'demo-1280.png'));
    copyFileSync(join(artifacts, 'demo-390.png'), join(root, 'docs', 'demo-390.png'));
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
