// Loading the MNIST training images in the browser: the site ships them gzip-compressed
// (9.9 MB instead of 47 MB; vite.demo.config.ts makes the asset), fetched with progress and
// unpacked with the browser's own DecompressionStream. A server that adds
// `Content-Encoding: gzip` by itself hands over the raw IDX bytes instead; both are accepted,
// and the progress total is right for both (sizeFromStart).

import { DataError, expectMnistShape, parseIdxImages, type IdxImages } from '../src/lsgan/idx';

export const MNIST_ASSET = 'mnist/train-images-idx3-ubyte.gz';

/**
 * `progress(loaded, total, compressed)`: the total is known from the first bytes, whichever
 * server sent them. A plain static server sends the .gz as it is (gzip magic first): the
 * total is its Content-Length. A server that adds `Content-Encoding: gzip` for .gz files (Vite's
 * preview) has the browser inflate it: its Content-Length is then the compressed size, which
 * the inflated bytes overrun 5-fold, so the total comes from the IDX header instead
 * (16 + count x rows x cols bytes: 47,040,016 for MNIST).
 */
export async function fetchMnist(url: string, progress: (loaded: number, total: number | null, compressed: boolean) => void): Promise<IdxImages> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DataError(`${url}: ${(e as Error).message}`);
  }
  if (!res.ok || res.body === null) throw new DataError(`${url}: HTTP ${res.status} ${res.statusText}`);
  const header = Number(res.headers.get('content-length'));
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let head: { total: number | null; compressed: boolean } | null = null;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (head === null && loaded >= 16) head = sizeFromStart(concat(chunks, loaded), header);
    if (head !== null) progress(loaded, head.total, head.compressed);
  }
  let bytes = concat(chunks, loaded);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(url, bytes);
  const images = parseIdxImages(url, bytes);
  expectMnistShape(url, images);
  return images;
}

/** The download's size in bytes from its first 16 bytes (gzip magic, or the IDX header). */
function sizeFromStart(start: Uint8Array, contentLength: number): { total: number | null; compressed: boolean } {
  if (start[0] === 0x1f && start[1] === 0x8b) return { total: Number.isFinite(contentLength) && contentLength > 0 ? contentLength : null, compressed: true };
  const v = new DataView(start.buffer, start.byteOffset, 16);
  // IDX images: magic 2051, then count, rows, cols as big-endian u32.
  if (v.getUint32(0) !== 2051) return { total: null, compressed: false };
  return { total: 16 + v.getUint32(4) * v.getUint32(8) * v.getUint32(12), compressed: false };
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function gunzip(url: string, bytes: Uint8Array): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DataError(`${url}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** `n` images picked with a seeded generator, as floats in [-1, 1] (the tutorial's scaling). */
export function realSample(images: IdxImages, n: number, seed: number): Float32Array {
  const px = images.rows * images.cols;
  const out = new Float32Array(n * px);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    // xorshift32: only picks which digits to show, nothing trains on it.
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const k = s % images.count;
    for (let j = 0; j < px; j++) out[i * px + j] = images.pixels[k * px + j] / 127.5 - 1;
  }
  return out;
}
