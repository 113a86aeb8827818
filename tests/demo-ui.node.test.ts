// The browser demo's first minute, in the cases that once broke or misled: the MNIST progress
// under `vite preview` (which sends the .gz with Content-Encoding: gzip, so the browser
// inflates it and the compressed Content-Length was shown as the total: "47.0 of 9.8 MB") and
// under a plain static server; a build without the trained generator; bad URL parameters
// (once: Start dead, every button disabled, an internal message); the form's checks next to
// their fields, Reset recovering; labels, names and text alternatives; the phone layout.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bodyData, buildSite, launch, layout, MINUTE, newPage, previewSite, staticSite, stepOf, textOf, TRAINED_PATH, waitFor } from './helpers/demo-site';

const site = join(mkdtempSync(join(tmpdir(), 'lsgan-demo-ui-')), 'site');
const MNIST_BYTES = 16 + 60000 * 28 * 28; // the inflated IDX file: 47,040,016
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  await buildSite(site);
  browser = await launch();
}, 3 * MINUTE);

afterAll(async () => {
  await browser?.close();
});

/** Opens `url` and follows the MNIST download: every progress total, and the end. */
async function mnistProgress(page: Page, url: string) {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    // Registered before the page exists: the document is observed, the body's attribute read.
    new MutationObserver(() => seen.push(document.body.dataset.mnistProgress ?? '')).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-mnist-progress'] });
  });
  await page.goto(url);
  await waitFor(page, 'MNIST', 3 * MINUTE, async () => (await textOf(page, 'mnist-status')).includes('training images'), problems);
  const seen = (await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).map((s) => s.split('/').map(Number));
  return { seen, status: await textOf(page, 'mnist-status'), value: await page.evaluate(() => (document.getElementById('mnist-progress') as HTMLProgressElement).value) };
}

describe('the demo\'s first minute', () => {
  test('under vite preview the MNIST progress counts the inflated bytes against their own total and ends at 100%', async () => {
    const server = await previewSite(site);
    const page = await newPage(browser, problems);
    try {
      const p = await mnistProgress(page, server.url);
      const totals = new Set(p.seen.map(([, t]) => t));
      console.log(`vite preview: ${p.seen.length} progress messages, totals ${[...totals].join(', ')}, last ${p.seen[p.seen.length - 1]}; "${p.status}"`);
      // Content-Encoding: gzip, so the worker sees the IDX bytes; their total comes from the IDX header.
      expect([...totals]).toEqual([MNIST_BYTES]);
      for (const [loaded, total] of p.seen) expect(loaded).toBeLessThanOrEqual(total);
      expect(p.seen[p.seen.length - 1]).toEqual([MNIST_BYTES, MNIST_BYTES]);
      expect(p.value).toBe(1);
      expect(p.status).toBe('MNIST: 60,000 training images, 100%');
    } finally {
      await page.context().close();
      await server.close();
    }
  }, 5 * MINUTE);

  describe('on a plain static server, without a trained generator, with bad URL parameters', () => {
    let server: { url: string; close: () => Promise<void> };
    let page: Page;
    const body = (key: string) => bodyData(page, key);
    const text = (id: string) => textOf(page, id);
    const until = (what: string, ms: number, ok: () => Promise<boolean>) => waitFor(page, what, ms, ok, problems);

    beforeAll(async () => {
      server = await staticSite(site, { [TRAINED_PATH]: null });
      page = await newPage(browser, problems);
    });
    afterAll(async () => {
      await page?.context().close();
      await server?.close();
    });

    test('the MNIST progress counts the compressed file against its size and ends at 100%; Start waits for the model', async () => {
      // Start must stay disabled until the model exists (it was enabled ~20 s early once).
      await page.addInitScript(() => {
        const early: string[] = [];
        (window as unknown as { early: string[] }).early = early;
        const check = () => {
          const s = document.getElementById('start') as HTMLButtonElement | null;
          if (s !== null && !s.disabled && document.body.dataset.state !== 'ready') early.push(document.body.dataset.state ?? '');
        };
        new MutationObserver(check).observe(document, { attributes: true, subtree: true });
      });
      const p = await mnistProgress(page, `${server.url}?batch=3&digits=0&seed=-1&lr=5&refresh=0&beta1=abc&kernels=bogus&colour=red`);
      const totals = new Set(p.seen.map(([, t]) => t));
      console.log(`static server: ${p.seen.length} progress messages, totals ${[...totals].join(', ')}; "${p.status}"`);
      expect(totals.size).toBe(1);
      const [total] = totals;
      expect(total).toBeGreaterThan(5e6); // the .gz, about 9.8 MB
      expect(total).toBeLessThan(MNIST_BYTES / 3);
      expect(p.seen[p.seen.length - 1]).toEqual([total, total]);
      expect(p.value).toBe(1);
      await until('the model', 5 * MINUTE, async () => (await body('state')) === 'ready');
      expect(await page.evaluate(() => (window as unknown as { early: string[] }).early)).toEqual([]);
    }, 5 * MINUTE);

    test('without a trained generator the page says so and offers training', async () => {
      expect(await text('trained-status')).toMatch(/^No trained generator shipped with this build .*Train a fresh one live: press Start\.$/);
      expect(await body('trained')).toBe('missing');
      expect(await page.isDisabled('#gen-which option[value="trained"]')).toBe(true);
    });

    test('bad URL parameters fall back to the defaults, said next to each field, and nothing is stuck', async () => {
      const notes = Object.fromEntries(await Promise.all(['batch', 'digits', 'seed', 'lr', 'refresh', 'beta1', 'kernels', 'other'].map(async (f) => [f, await text(`${f}-note`)])));
      console.log(notes);
      expect(notes.batch).toBe('?batch=3 in the URL: expected an even whole number from 2 to 1024; using the default 8');
      expect(notes.digits).toBe('?digits=0 in the URL: expected a whole number from 1 to 100; using the default 20');
      expect(notes.seed).toMatch(/^\?seed=-1 in the URL: .*; using the default 1$/);
      expect(notes.lr).toMatch(/^\?lr=5 in the URL: .*; using the default 0.0002$/);
      expect(notes.refresh).toMatch(/^\?refresh=0 in the URL: .*; using the default 20$/);
      expect(notes.beta1).toMatch(/^\?beta1=abc in the URL: .*; using the default 0.5$/);
      expect(notes.kernels).toBe('?kernels=bogus in the URL: expected auto, gpu or cpu; using auto');
      expect(notes.other).toMatch(/^unknown URL parameter colour/);
      // The CPU adapter's defaults, shown as such.
      expect(await page.inputValue('#batch')).toBe('8');
      expect(await text('batch-default')).toBe('default 8');
      expect(await text('defaults-note')).toMatch(/^Defaults for a CPU adapter \(a GPU gets batch 64, 100 digits/);
      for (const id of ['start', 'reset', 'generate', 'interpolate', 'profile', 'score', 'download-generator', 'download-run', 'upload']) expect(await page.isEnabled(`#${id}`), id).toBe(true);
      await page.click('#start');
      await until('an iteration', 5 * MINUTE, async () => (await stepOf(page)) >= 1);
      await page.click('#pause');
      await until('the pause', 5 * MINUTE, async () => (await body('running')) === 'false');
      expect(problems).toEqual([]);
    }, 10 * MINUTE);

    test('a bad value in the form is shown next to its field, and Reset recovers once it is fixed', async () => {
      await page.fill('#batch', '3');
      await page.fill('#lr', '');
      await page.click('#reset');
      expect(await text('batch-note')).toBe('batch size 3: expected an even whole number from 2 to 1024');
      expect(await text('lr-note')).toMatch(/^learning rate is empty/);
      expect(await page.getAttribute('#batch', 'aria-invalid')).toBe('true');
      expect(await text('train-note')).toMatch(/^Not reset: fix the settings marked below/);
      expect(await page.isEnabled('#reset')).toBe(true);
      expect(await page.isEnabled('#start')).toBe(true);
      await page.fill('#batch', '2');
      await page.fill('#lr', '0.0002');
      await page.fill('#digits', '4');
      expect(await text('batch-note')).toBe(''); // cleared as it is typed
      await page.click('#reset');
      await until('the fresh model', 5 * MINUTE, async () => (await body('state')) === 'ready');
      expect(await text('batch-note')).toBe('');
      expect(await text('stat-eta')).toMatch(/of 600,000 iterations \(20 epochs at batch 2/);
      await page.click('#start');
      await until('an iteration at batch 2', 5 * MINUTE, async () => (await stepOf(page)) >= 1);
      await page.click('#pause');
      await until('the pause', 5 * MINUTE, async () => (await body('running')) === 'false');
      expect(problems).toEqual([]);
    }, 10 * MINUTE);

    test('an empty Generate seed is an error next to it, not seed 0', async () => {
      await page.fill('#gen-seed', '');
      await page.click('#generate');
      expect(await text('gen-seed-note')).toMatch(/^the grid's seed is empty/);
      expect(await page.getAttribute('#gen-seed', 'aria-invalid')).toBe('true');
      await page.waitForTimeout(1000);
      expect(await body('generated')).toBe('');
      expect(await page.isEnabled('#generate')).toBe(true);
      await page.fill('#gen-seed', '7');
      await page.click('#generate');
      expect(await text('gen-seed-note')).toBe('');
      await until('the grid', 5 * MINUTE, async () => /^live:7:false:\d+$/.test(await body('generated')));
    }, 10 * MINUTE);

    test('every control has a label of its own; the progress bar, grids and chart have names', async () => {
      const names = await page.evaluate(() => [...document.querySelectorAll('input, select')].map((e) => {
        const el = e as HTMLInputElement;
        return `${el.id}: ${[...(el.labels ?? [])].map((l) => l.textContent!.trim()).join(' ')}`;
      }));
      const labels = names.map((n) => n.split(': ')[1]);
      console.log(names.join(' | '));
      expect(labels.every((l) => l !== '')).toBe(true);
      expect(new Set(labels).size).toBe(labels.length);
      expect(await page.getAttribute('#mnist-progress', 'aria-labelledby')).toBe('mnist-status');
      for (const id of ['trained-grid', 'live-grid', 'real-grid', 'chart']) {
        expect(await page.getAttribute(`#${id}`, 'role')).toBe('img');
        expect((await page.getAttribute(`#${id}`, 'aria-label'))!.length).toBeGreaterThan(10);
      }
      expect(await page.getAttribute('#live-grid', 'aria-label')).toMatch(/^4 digits from the live generator at iteration \d/);
      // Text against its background, WCAG AA (4.5:1) for the page's small grey and coloured text.
      const ratios = await page.evaluate(() => {
        const lum = (c: string) => {
          const [r, g, b] = c.match(/[\d.]+/g)!.slice(0, 3).map((v) => Number(v) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const bg = (e: Element | null): string => {
          for (; e !== null; e = e.parentElement) {
            const c = getComputedStyle(e).backgroundColor;
            if (!/rgba\(.*, 0\)$|transparent/.test(c)) return c;
          }
          return 'rgb(255, 255, 255)';
        };
        return [...document.querySelectorAll('.hint, figcaption, dl#stats dt, .note, .field-note, #settings small, #trained-status, header p, footer')].filter((e) => e.textContent!.trim() !== '').map((e) => {
          const [a, b] = [lum(getComputedStyle(e).color), lum(bg(e))];
          return { what: e.id || e.className || e.tagName, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
        });
      });
      const low = ratios.filter((r) => r.ratio < 4.5);
      console.log(`contrast: ${ratios.length} text elements, lowest ${Math.min(...ratios.map((r) => r.ratio)).toFixed(2)}:1`);
      expect(low).toEqual([]);
    });

    test('at 390x844 the page is one column with no sideways scroll and no overlapping panels', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(500);
      const l = await layout(page);
      console.log(`390 px: scrollWidth ${l.scrollWidth}, overflowing: [${l.overflowing.join(', ')}], overlaps: [${l.overlaps.join(', ')}]`);
      expect(l.scrollWidth).toBeLessThanOrEqual(l.width);
      expect(l.overflowing).toEqual([]);
      expect(l.overlaps).toEqual([]);
      for (const p of l.panels) expect(p.right - p.left).toBeGreaterThan(0.9 * (l.width - 24));
      expect(problems).toEqual([]);
    });
  });
});
