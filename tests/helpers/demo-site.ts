// The browser demo's test harness: `npm run build`'s site built into a folder of the test's
// own (so test files never share dist/), served by a plain static server (the .gz sent as it
// is, with paths the test can override: the trained generator present or missing) or by
// `vite preview` (which sends the .gz with Content-Encoding: gzip), and pages of the system's
// headless Chromium on SwiftShader whose console errors are collected.

import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { build, preview, type PreviewServer } from 'vite';
import type { Gpu } from '../../src/kernels/gpu';
import { saveGenerator } from '../../src/lsgan/checkpoint';
import { Lsgan, TUTORIAL } from '../../src/lsgan/lsgan';
import { loadMnistImages } from '../../src/lsgan/mnist-node';
import { decodeSafetensors, encodeSafetensors } from '../../src/lsgan/safetensors';
import { chromiumArgs, chromiumPath } from '../chromium';

export const root = join(import.meta.dirname, '..', '..');
const configFile = join(root, 'vite.demo.config.ts');
export const TRAINED_PATH = '/pretrained/generator.safetensors';
export const MINUTE = 60_000;

export async function buildSite(outDir: string): Promise<void> {
  await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export async function previewSite(outDir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: PreviewServer = await preview({ configFile, logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  return { url: server.resolvedUrls!.local[0], close: () => server.close() };
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.gz': 'application/gzip' };

/** A static file server with no compression of its own; `overrides` maps a path to bytes, or to null for a 404. */
export async function staticSite(dir: string, overrides: Record<string, Uint8Array | null> = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const send = (status: number, type: string, body: Uint8Array | string) => {
      res.statusCode = status;
      res.setHeader('Content-Type', type);
      res.setHeader('Content-Length', String(Buffer.byteLength(body)));
      res.end(body);
    };
    if (path in overrides) {
      const b = overrides[path];
      return b === null ? send(404, 'text/plain', 'not found') : send(200, 'application/octet-stream', b);
    }
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return send(404, 'text/plain', 'not found');
    send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
}

/** A page whose console errors and uncaught exceptions land in `problems`. */
export async function newPage(browser: Browser, problems: string[], viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true, viewport });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return page;
}

export const bodyData = (page: Page, key: string) => page.evaluate((k) => document.body.dataset[k] ?? '', key);
export const textOf = (page: Page, id: string) => page.evaluate((i) => document.getElementById(i)?.textContent ?? '', id);
export const stepOf = async (page: Page) => Number((await textOf(page, 'stat-step')).replace(/,/g, ''));

/** Every message area's text, for a timeout's report. */
async function notes(page: Page): Promise<string> {
  return page.evaluate(() => [...document.querySelectorAll('.note, .field-note, #trained-status')].map((e) => `${e.id}: ${e.textContent}`).filter((s) => !s.endsWith(': ')).join(' | '));
}

export async function waitFor(page: Page, what: string, ms: number, ok: () => Promise<boolean>, problems: string[] = []): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}; page says: ${await notes(page)}; problems: ${problems.join(' | ')}`);
    await page.waitForTimeout(250);
  }
}

/**
 * A generator file as `lsgan train --steps N` writes it (saveGenerator after N iterations), for
 * a build without the shipped one; `score` adds a score to its metadata (checksums redone).
 */
export async function makeGenerator(gpu: Gpu, steps: number, score?: string): Promise<Uint8Array> {
  const m = await Lsgan.create(gpu, { ...TUTORIAL, batch: 2, seed: 3 }, loadMnistImages());
  for (let i = 0; i < steps; i++) await m.trainStep();
  await m.flush();
  const bytes = await saveGenerator(gpu, m.g, { ...m.config, step: m.step });
  m.destroy();
  if (score === undefined) return bytes;
  const st = decodeSafetensors('generator', bytes);
  return encodeSafetensors([...st.tensors.values()], { ...st.metadata, score });
}

/** Boxes of elements, for the layout checks. */
export interface Box { id: string; left: number; right: number; top: number; bottom: number }

/** The visible panels' boxes, and any element (outside a scroll box) that pokes past the viewport. */
export async function layout(page: Page): Promise<{ scrollWidth: number; width: number; panels: Box[]; overflowing: string[]; overlaps: string[] }> {
  return page.evaluate(() => {
    const box = (e: Element): Box => {
      const r = e.getBoundingClientRect();
      return { id: e.id || `${e.tagName.toLowerCase()}.${e.className}`, left: r.left, right: r.right, top: r.top + scrollY, bottom: r.bottom + scrollY };
    };
    const visible = (e: Element) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    };
    const hit = (a: Box, b: Box) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const width = document.documentElement.clientWidth;
    const panels = [...document.querySelectorAll('.panel')].filter(visible).map(box);
    const overflowing = [...document.body.querySelectorAll('*')]
      .filter((e) => visible(e) && e.closest('.scroll, details:not([open])') === null && e.getBoundingClientRect().right > width + 0.5)
      .map((e) => box(e).id);
    // Within each panel and each row of controls, siblings must not overlap (text drawn over text).
    const overlaps: string[] = [];
    for (const parent of document.querySelectorAll('.panel, .panel .buttons, #stats, #settings, .live, .pair')) {
      const kids = [...parent.children].filter(visible).map(box);
      for (let i = 0; i < kids.length; i++) for (let j = i + 1; j < kids.length; j++) if (hit(kids[i], kids[j])) overlaps.push(`${kids[i].id} / ${kids[j].id}`);
    }
    for (let i = 0; i < panels.length; i++) for (let j = i + 1; j < panels.length; j++) if (hit(panels[i], panels[j])) overlaps.push(`panels ${panels[i].id} / ${panels[j].id}`);
    return { scrollWidth: document.documentElement.scrollWidth, width, panels, overflowing, overlaps };
  });
}

/** A canvas's gray levels (the red channel; the pictures are gray). */
export async function canvasGray(page: Page, id: string): Promise<{ width: number; height: number; gray: number[] }> {
  return page.evaluate((i) => {
    const c = document.getElementById(i) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return { width: c.width, height: c.height, gray: Array.from({ length: c.width * c.height }, (_, k) => d[4 * k]) };
  }, id);
}
