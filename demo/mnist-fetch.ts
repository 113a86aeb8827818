// Loading the MNIST training images in the browser: the site ships them gzip-compressed
// (9.9 MB instead of 47 MB; vite.demo.config.ts makes the asset), fetched with progress and
// unpacked with the browser's own DecompressionStream. A server that adds
// `Content-Encoding: gzip` by itself hands over the raw IDX bytes instead; both are accepted.

import { DataError, expectMnistShape, parseIdxImages, type IdxImages } from '../src/lsgan/idx';

export const MNIST_ASSET = 'mnist/train-images-idx3-ubyte.gz';

export async function fetchMnist(url: string, progress: (loaded: number, total: number | null) => void): Promise<IdxImages> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DataError(`${url}: ${(e as Error).message}`);
  }
  if (!res.ok || res.body === null) throw new DataError(`${url}: HTTP ${res.status} ${res.statusText}`);
  const header = Number(res.headers.get('content-length'));
  const total = Number.isFinite(header) && header > 0 ? header : null;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    progress(loaded, total);
  }
  let bytes = concat(chunks, loaded);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(url, bytes);
  const images = parseIdxImages(url, bytes);
  expectMnistShape(url, images);
  return images;
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
