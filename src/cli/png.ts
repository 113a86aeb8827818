// Writing pictures from Node: PNG encoding by fast-png, SVG rasterised by resvg. Every file
// is written atomically (files.ts) so an interrupted run never leaves a half-written image or
// checkpoint behind.

import { encode } from 'fast-png';
import type { GrayImage } from '../lsgan/grid';

export { writeAtomic } from './files';

export function grayPng(img: GrayImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, channels: 1, depth: 8 });
}

/**
 * SVG to PNG with resvg, a native package loaded on first use: a bundle carried to a machine
 * without node_modules still trains, and returns null here so the caller can keep the SVG.
 */
export async function svgToPng(svg: string): Promise<Uint8Array | null> {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch {
    return null;
  }
  const r = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}
