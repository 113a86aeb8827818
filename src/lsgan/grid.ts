// The tutorial's picture: images in a grid with the reversed gray colour map (gray_r:
// -1 -> white, +1 -> black, so digits are dark on light), small white gaps between tiles
// as matplotlib's subplots leave. Pure pixels, shared by the CLI (PNG) and the browser (canvas).

export interface GrayImage {
  width: number;
  height: number;
  /** 8-bit gray, row-major. */
  data: Uint8Array;
}

export interface GridOptions {
  cols: number;
  /** Integer upscaling of each 28x28 tile, so digits stay legible in the saved file. */
  scale?: number;
  gap?: number;
  margin?: number;
}

/** The tutorial rescales with (X + 1) / 2 and draws with gray_r: 0 = white, 1 = black. */
export function grayR(x: number): number {
  const v = Math.min(1, Math.max(0, (x + 1) / 2));
  return Math.round(255 * (1 - v));
}

/** images: [n, h, w, 1] in [-1, 1]. */
export function imageGrid(images: ArrayLike<number>, n: number, h: number, w: number, opts: GridOptions): GrayImage {
  const scale = opts.scale ?? 2, gap = opts.gap ?? 4, margin = opts.margin ?? 8, cols = opts.cols;
  const rows = Math.ceil(n / cols);
  const tw = w * scale, th = h * scale;
  const width = 2 * margin + cols * tw + (cols - 1) * gap;
  const height = 2 * margin + rows * th + (rows - 1) * gap;
  const data = new Uint8Array(width * height).fill(255);
  for (let i = 0; i < n; i++) {
    const x0 = margin + (i % cols) * (tw + gap), y0 = margin + Math.floor(i / cols) * (th + gap);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        data[(y0 + y) * width + x0 + x] = grayR(images[i * h * w + Math.floor(y / scale) * w + Math.floor(x / scale)]);
      }
    }
  }
  return { width, height, data };
}
