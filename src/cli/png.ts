// Writing pictures from Node: PNG encoding by fast-png, SVG rasterised by resvg, and
// every file written atomically (temp file + rename) so an interrupted run never leaves a
// half-written image or checkpoint behind.

import { Resvg } from '@resvg/resvg-js';
import { encode } from 'fast-png';
import { renameSync, writeFileSync } from 'node:fs';
import type { GrayImage } from '../lsgan/grid';

export function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

export function grayPng(img: GrayImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, channels: 1, depth: 8 });
}

export function svgToPng(svg: string): Uint8Array {
  const r = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}
