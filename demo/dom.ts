// Small DOM helpers shared by the page's modules: element lookup, a digit grid drawn on a
// canvas with its text alternative, table rows, and a file download.

import { imageGrid } from '../src/lsgan/grid';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * The same picture as the command line's (grid.ts), `cols` as `lsgan generate` chooses them.
 * `alt` becomes the canvas's accessible name (a canvas has no text of its own).
 */
export function drawGrid(canvas: HTMLCanvasElement, images: Float32Array, n: number, alt: string): void {
  const g = imageGrid(images, n, 28, 28, { cols: Math.min(10, n) });
  canvas.width = g.width;
  canvas.height = g.height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(g.width, g.height);
  for (let i = 0; i < g.data.length; i++) img.data.set([g.data[i], g.data[i], g.data[i], 255], 4 * i);
  ctx.putImageData(img, 0, 0);
  canvas.setAttribute('aria-label', alt);
}

export function row(cells: string[], numeric: boolean[] = [], header = false): HTMLTableRowElement {
  const tr = document.createElement('tr');
  cells.forEach((c, i) => {
    const td = document.createElement(header ? 'th' : 'td');
    if (header) td.setAttribute('scope', 'col');
    td.textContent = c;
    if (numeric[i]) td.className = 'num';
    tr.append(td);
  });
  return tr;
}

export function download(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
