// File formats read by the command line and the browser: IDX (MNIST) and safetensors.
// Every documented fault gives an error that names the file and what is wrong.

import { describe, expect, test } from 'vitest';
import { parseIdxImages, parseIdxLabels, expectMnistShape } from '../src/lsgan/idx';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES } from '../src/lsgan/safetensors';

function idx(magic: number, dims: number[], payload: number): Uint8Array {
  const b = new Uint8Array(4 + 4 * dims.length + payload);
  const v = new DataView(b.buffer);
  v.setUint32(0, magic);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  return b;
}

describe('IDX', () => {
  test('a well-formed image file parses', () => {
    const f = idx(2051, [3, 28, 28], 3 * 784);
    f[16] = 7;
    const im = parseIdxImages('a.idx', f);
    expect([im.count, im.rows, im.cols, im.pixels.length, im.pixels[0]]).toEqual([3, 28, 28, 2352, 7]);
  });
  test('faults name the file and the fault', () => {
    expect(() => parseIdxImages('short.idx', new Uint8Array(10))).toThrow(/^short.idx: 10 bytes is too short for an IDX image header/);
    expect(() => parseIdxImages('labels.idx', idx(2049, [3, 28, 28], 2352))).toThrow(/labels.idx: magic number 2049, expected 2051 for IDX images \(2049 is a label file/);
    expect(() => parseIdxImages('junk.idx', idx(1234, [3, 28, 28], 2352))).toThrow(/junk.idx: magic number 1234, expected 2051/);
    expect(() => parseIdxImages('cut.idx', idx(2051, [3, 28, 28], 2000))).toThrow(/cut.idx: truncated: header says 3 images of 28x28 \(2368 bytes\), file has 2016 bytes/);
    expect(() => parseIdxImages('long.idx', idx(2051, [3, 28, 28], 2353))).toThrow(/long.idx: 1 unexpected bytes after 3 images/);
    expect(() => parseIdxImages('empty.idx', idx(2051, [0, 28, 28], 0))).toThrow(/empty.idx: empty data set/);
    expect(() => expectMnistShape('small.idx', parseIdxImages('small.idx', idx(2051, [2, 8, 8], 128)))).toThrow(/small.idx: images are 8x8, the LSGAN needs 28x28/);
  });
  test('labels', () => {
    const f = idx(2049, [2], 2);
    f[8] = 3; f[9] = 9;
    expect(Array.from(parseIdxLabels('l.idx', f))).toEqual([3, 9]);
    f[9] = 10;
    expect(() => parseIdxLabels('l.idx', f)).toThrow(/l.idx: label 1 is 10, expected 0-9/);
    expect(() => parseIdxLabels('i.idx', idx(2051, [2], 2))).toThrow(/i.idx: magic number 2051, expected 2049/);
  });
});

describe('safetensors', () => {
  const tensors = [
    { name: 'generator/dense/kernel', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -0]) },
    { name: 'generator/dense/bias', shape: [3], data: Float32Array.from([0.25, 0.5, 0.75]) },
  ];
  const good = encodeSafetensors(tensors, { format: 'test', step: '7' });

  test('round trip keeps names, shapes, bits and metadata; data starts 8-byte aligned', () => {
    const st = decodeSafetensors('ok.safetensors', good);
    expect(st.metadata).toEqual({ format: 'test', step: '7' });
    for (const t of tensors) {
      const got = st.tensors.get(t.name)!;
      expect(got.shape).toEqual(t.shape);
      expect(Array.from(got.data)).toEqual(Array.from(t.data));
    }
    const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
  });

  test('the layout is the reference one: u64 LE header length, JSON header, raw f32 LE data', () => {
    const v = new DataView(good.buffer);
    const n = Number(v.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + n)));
    expect(header['generator/dense/kernel']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['generator/dense/bias']).toEqual({ dtype: 'F32', shape: [3], data_offsets: [24, 36] });
    expect(v.getFloat32(8 + n + 8, true)).toBe(3.5);
  });

  const corrupt = (edit: (b: Uint8Array, headerEnd: number) => Uint8Array) => {
    const b = good.slice();
    return edit(b, 8 + Number(new DataView(b.buffer).getBigUint64(0, true)));
  };
  const header = (h: object) => {
    const j = new TextEncoder().encode(JSON.stringify(h));
    const b = new Uint8Array(8 + j.length + 16);
    new DataView(b.buffer).setBigUint64(0, BigInt(j.length), true);
    b.set(j, 8);
    return b;
  };

  test('faults name the file and the tensor', () => {
    expect(() => decodeSafetensors('tiny.st', new Uint8Array(5))).toThrow(/^tiny.st: 5 bytes is too short/);
    expect(() => decodeSafetensors('huge.st', corrupt((b) => { new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true); return b; }))).toThrow(new RegExp(`huge.st: header length 1152921504606846976 exceeds the ${MAX_HEADER_BYTES}-byte limit`));
    expect(() => decodeSafetensors('cut.st', good.subarray(0, 40))).toThrow(/cut.st: truncated: header length \d+ but the file has 32 bytes after it/);
    expect(() => decodeSafetensors('cutdata.st', good.subarray(0, good.length - 4))).toThrow(/cutdata.st: tensor generator\/dense\/bias: data_offsets \[24, 36\] run past the end of the data \(32 bytes\): truncated file\?/);
    expect(() => decodeSafetensors('json.st', corrupt((b) => { b[9] = 0x7b; b[10] = 0x7b; return b; }))).toThrow(/json.st: header is not valid JSON/);
    expect(() => decodeSafetensors('dtype.st', header({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }))).toThrow(/dtype.st: tensor w: dtype "F16", only F32 is supported/);
    expect(() => decodeSafetensors('shape.st', header({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }))).toThrow(/shape.st: tensor w: shape \[3\] needs 12 bytes, data_offsets span 8/);
    expect(() => decodeSafetensors('neg.st', header({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }))).toThrow(/neg.st: tensor w: shape \[-1\] is not a list of sizes/);
    expect(() => decodeSafetensors('overlap.st', header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }))).toThrow(/overlap.st: tensors a and b overlap in the data/);
    expect(() => decodeSafetensors('meta.st', header({ __metadata__: { step: 3 } }))).toThrow(/meta.st: __metadata__.step is not a string/);
    expect(() => decodeSafetensors('arr.st', header([1, 2]))).toThrow(/arr.st: header is not a JSON object/);
  });
});
