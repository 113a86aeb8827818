// The IDX format of the MNIST files: big-endian header, then raw bytes.
//   images: magic 2051 (0x00000803), count, rows, cols, then count*rows*cols pixel bytes
//   labels: magic 2049 (0x00000801), count, then count label bytes
// Parsing works on bytes, so the browser and Node share it; every fault is one line naming
// the file (escaped: a newline in a name cannot break the line). The rules: the magic, no
// empty dimension, and exactly the bytes the header's sizes call for, not one more or less.
// Pixel bytes carry no check of their own (any value 0-255 is a pixel).

import { printable } from './json-strict';

export class DataError extends Error {
  override name = 'DataError';
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

function u32be(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

export function parseIdxImages(path: string, bytes: Uint8Array): IdxImages {
  const file = printable(path, 300);
  if (bytes.length < 16) throw new DataError(`${file}: ${bytes.length} bytes is too short for an IDX image header (16 bytes)`);
  const magic = u32be(bytes, 0);
  if (magic !== 2051) {
    const hint = magic === 2049 ? ' (2049 is a label file: did you swap images and labels?)' : '';
    throw new DataError(`${file}: magic number ${magic}, expected 2051 for IDX images${hint}`);
  }
  const count = u32be(bytes, 4), rows = u32be(bytes, 8), cols = u32be(bytes, 12);
  if (count === 0 || rows === 0 || cols === 0) throw new DataError(`${file}: empty data set (${count} images of ${rows}x${cols})`);
  // BigInt: count x rows x cols can pass 2^53 (each is a u32), and the message states it exactly.
  const needed = 16n + BigInt(count) * BigInt(rows) * BigInt(cols);
  if (BigInt(bytes.length) < needed) {
    throw new DataError(`${file}: truncated: header says ${count} images of ${rows}x${cols} (${needed} bytes), file has ${bytes.length} bytes`);
  }
  const expected = Number(needed);
  if (bytes.length > expected) throw new DataError(`${file}: ${bytes.length - expected} unexpected bytes after ${count} images of ${rows}x${cols}`);
  return { count, rows, cols, pixels: bytes.subarray(16, expected) };
}

export function parseIdxLabels(path: string, bytes: Uint8Array): Uint8Array {
  const file = printable(path, 300);
  if (bytes.length < 8) throw new DataError(`${file}: ${bytes.length} bytes is too short for an IDX label header (8 bytes)`);
  const magic = u32be(bytes, 0);
  if (magic !== 2049) throw new DataError(`${file}: magic number ${magic}, expected 2049 for IDX labels`);
  const count = u32be(bytes, 4);
  if (bytes.length !== 8 + count) throw new DataError(`${file}: header says ${count} labels (${8 + count} bytes), file has ${bytes.length} bytes`);
  for (let i = 0; i < count; i++) if (bytes[8 + i] > 9) throw new DataError(`${file}: label ${i} is ${bytes[8 + i]}, expected 0-9`);
  return bytes.subarray(8);
}

/** The tutorial's data: 28x28 digits. Other sizes are rejected with the size found. */
export function expectMnistShape(path: string, images: IdxImages): void {
  const file = printable(path, 300);
  if (images.rows !== 28 || images.cols !== 28) throw new DataError(`${file}: images are ${images.rows}x${images.cols}, the LSGAN needs 28x28`);
}
