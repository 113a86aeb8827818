// The safetensors reader against the reference implementation's rules and our stricter ones
// (src/lsgan/safetensors.ts), the checksums (safetensors-checksum.ts), the JSON parser that
// sees duplicates (json-strict.ts) and SHA-256 (sha256.ts), one fault at a time; the fuzz test
// (checkpoint-fuzz.test.ts) then throws a thousand at them.

import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { describeJson, JsonNumber, parseJson, printable } from '../src/lsgan/json-strict';
import { decodeSafetensors, encodeSafetensors } from '../src/lsgan/safetensors';
import { createSha256 } from '../src/lsgan/sha256';
import { assemble, split, unchecked, withHeader, withText } from './helpers/mutants';

const tensors = [
  { name: 'a/kernel', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -0]) },
  { name: 'a/bias', shape: [3], data: Float32Array.from([0.25, 0.5, 0.75]) },
  { name: 'b/empty', shape: [0, 4], data: new Float32Array(0) },
];
const good = encodeSafetensors(tensors, { format: 'test' });
const plain = unchecked(good);
const fails = (bytes: Uint8Array, pattern: RegExp) => expect(() => decodeSafetensors('f.st', bytes)).toThrow(pattern);

describe('safetensors: the reference rules', () => {
  test('files we write verify; the same file without checksums (PyTorch, numpy) loads unverified', () => {
    const a = decodeSafetensors('f.st', good), b = decodeSafetensors('f.st', plain);
    expect([a.verified, b.verified]).toEqual([true, false]);
    expect(a.metadata).toEqual({ format: 'test' });
    expect(Array.from(b.tensors.get('a/kernel')!.data)).toEqual(Array.from(tensors[0].data));
  });

  test('the last offset is exactly the end of the file: trailing bytes and a header length 4 short are refused', () => {
    for (const extra of [1, 4, 8]) fails(assemble(split(plain).text, Uint8Array.from([...split(plain).data, ...new Uint8Array(extra)])), new RegExp(`^f.st: ${extra} bytes after the last tensor's data`));
    const s = split(good);
    // 4 bytes short: the header's last 4 bytes (padding) are read as data, so the data runs 4 bytes long.
    const padded = s.text.length - s.text.trimEnd().length;
    if (padded >= 4) fails(assemble(s.text.slice(0, -4), Uint8Array.from([0x20, 0x20, 0x20, 0x20, ...s.data])), /4 bytes after the last tensor's data/);
    fails(assemble(s.text, s.data, BigInt(s.text.length - 4)), /^f.st: /);
  });

  test('offsets tile the data from 0: a hole, a hole at the start and an overlap are refused', () => {
    // Two tensors and 40 bytes of data: a 4-byte hole fits with the offsets moved past it.
    const s = split(unchecked(encodeSafetensors(tensors.slice(0, 2), {})));
    const h = JSON.parse(s.text), data = Uint8Array.from([...s.data, 0, 0, 0, 0]);
    const file = (edit: (h: Record<string, { data_offsets: number[] }>) => void) => { const c = structuredClone(h); edit(c); return assemble(JSON.stringify(c), data); };
    fails(file((c) => { c['a/bias'].data_offsets = [28, 40]; }), /^f.st: a hole of 4 bytes in the data between tensors a\/kernel and a\/bias/);
    fails(file((c) => { c['a/kernel'].data_offsets = [4, 28]; c['a/bias'].data_offsets = [28, 40]; }), /the data starts with a hole: the first tensor, a\/kernel, begins at byte 4, not 0/);
    fails(file((c) => { c['a/bias'].data_offsets = [20, 32]; }), /tensors a\/kernel and a\/bias overlap in the data/);
    fails(file(() => undefined), /4 bytes after the last tensor's data/);
  });

  test('byte size = prod(shape) x dtype size, in exact integers; integers written as plain digits', () => {
    fails(withHeader(plain, (h) => { h['a/bias'].shape = [4]; }), /tensor a\/bias: shape \[4\] needs 16 bytes, data_offsets span 12/);
    fails(withHeader(plain, (h) => { h['a/bias'].shape = [2 ** 40, 2 ** 40, 0]; }), /tensor a\/bias: shape \[.*\] needs 0 bytes, data_offsets span 12/);
    fails(withText(plain, (t) => t.replace('"shape":[3]', '"shape":[3.0]')), /tensor a\/bias: shape \[3.0\] is not a list of sizes/);
    fails(withText(plain, (t) => t.replace('"data_offsets":[24,36]', '"data_offsets":[24,3.6e1]')), /data_offsets \[24, 3.6e1\] is not \[begin, end\]/);
  });

  test('the header: at most 100,000,000 bytes, UTF-8, a JSON object starting with {', () => {
    const s = split(plain);
    fails(assemble(s.text, s.data, 100_000_001n), /header length 100000001 exceeds the 100000000-byte limit/);
    const bad = assemble(s.text, s.data);
    bad[12] = 0xff;
    fails(bad, /header is not valid UTF-8/);
    fails(assemble(`\ufeff${s.text}`, s.data), /header is not a JSON object: it starts "\\ufeff/);
    fails(assemble(` ${s.text}`, s.data), /header is not a JSON object/);
  });
});

describe('safetensors: our stricter rules', () => {
  test('a duplicate key at any level is refused, naming it', () => {
    fails(withText(plain, (t) => t.replace('{', '{"a/bias":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},')), /header is not valid JSON \(duplicate key a\/bias at character \d+\)/);
    fails(withText(plain, (t) => t.replace('{', '{"__metadata__":{},')), /duplicate key __metadata__/);
    fails(withText(plain, (t) => t.replace('"a/bias":{', '"a/bias":{"shape":[3],')), /duplicate key shape/);
    fails(withText(plain, (t) => t.replace('"__metadata__":{', '"__metadata__":{"format":"x",')), /duplicate key format/);
  });

  test('nesting 100,000 deep gives one line, not a stack overflow; unknown fields and dtypes are refused', () => {
    fails(withText(plain, (t) => t.replace('"a/bias":{', `"a/bias":{"x":${'['.repeat(100_000)}1${']'.repeat(100_000)},`)), /nested deeper than 64 levels/);
    fails(withHeader(plain, (h) => { h['a/bias'].extra = 1; }), /tensor a\/bias: unexpected field "extra"/);
    fails(withHeader(plain, (h) => { h['a/bias'].dtype = 'F99'; }), /tensor a\/bias: unknown dtype "F99"/);
  });

  test('names are printed escaped, on one line', () => {
    for (const name of ['a\nb', '\u001b[31mred', '\u202eexe.txt', '']) {
      const bytes = withHeader(plain, (h) => { h[name] = { ...h['a/bias'], dtype: 'F16' }; delete h['a/bias']; });
      let msg = '';
      try { decodeSafetensors('f\nile.st', bytes); } catch (e) { msg = (e as Error).message; }
      expect(msg).toMatch(/^"f\\nile.st": tensor ".*": dtype "F16", only F32 is supported$/);
      expect(msg).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    }
  });
});

describe('safetensors: checksums', () => {
  test('a flipped data bit names the tensor; an edited header and swapped offsets are caught', () => {
    const flipped = good.slice();
    flipped[flipped.length - 8] ^= 4; // inside a/bias (the data's last 12 bytes; b/empty has none)
    fails(flipped, /^f.st: tensor a\/bias: its bytes changed after the file was written/);
    fails(withHeader(good, (h) => { h.__metadata__.format = 'other'; }), /the header was edited after the file was written/);
    const two = encodeSafetensors([{ name: 'm', shape: [2], data: Float32Array.from([1, 2]) }, { name: 'v', shape: [2], data: Float32Array.from([3, 4]) }], {});
    fails(withHeader(two, (h) => { [h.m.data_offsets, h.v.data_offsets] = [h.v.data_offsets, h.m.data_offsets]; }), /the header was edited/);
    fails(withHeader(good, (h) => { h.__metadata__.sha256 = 'x'; }), /__metadata__.sha256 is not a SHA-256 digest/);
  });

  test('whitespace and key order in the header change nothing and still verify', () => {
    const s = split(good);
    const h = JSON.parse(s.text);
    const reordered = Object.fromEntries(Object.entries(h).reverse());
    expect(decodeSafetensors('f.st', assemble(JSON.stringify(reordered, null, 2), s.data)).verified).toBe(true);
  });

  test('re-encoding a decoded file writes fresh checksums (edited metadata then verifies)', () => {
    const st = decodeSafetensors('f.st', good);
    const again = encodeSafetensors([...st.tensors.values()], { ...st.metadata, format: 'edited' });
    expect(decodeSafetensors('g.st', again).metadata.format).toBe('edited');
  });
});

describe('json-strict and sha256', () => {
  test('parses JSON, keeps number text, refuses what serde_json refuses', () => {
    const v = parseJson('{"a":[1,-2.5e3,true,null,"\\u00e9\\ud83d\\ude00"],"b":{}}') as Map<string, unknown>;
    expect(describeJson(v as never)).toBe('{a: [1, -2.5e3, true, null, "é😀"], b: {}}');
    expect((parseJson('18446744073709551616') as JsonNumber).integer).toBeNull();
    expect((parseJson('24') as JsonNumber).integer).toBe(24);
    for (const [text, msg] of [['{"a":1,"a":1}', /duplicate key a/], ['[1,]', /unexpected "]"/], ['"\\ud800"', /lone leading surrogate/], ['01', /unexpected text after/],
      ['{"a" 1}', /expected ':'/], ['"a\nb"', /control character/], ['[', /unexpected end/], ['[]]', /unexpected text after/]] as const) {
      expect(() => parseJson(text)).toThrow(msg);
    }
    expect(printable('plain/name_1')).toBe('plain/name_1');
    expect(printable('a\u001bb')).toBe('"a\\u001bb"');
    expect(printable('x'.repeat(500)).length).toBeLessThan(160);
  });

  test('the portable SHA-256 equals OpenSSL\'s at every block boundary, in one piece and in two', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255);
      const want = createHash('sha256').update(b).digest('hex');
      expect(createSha256(true).update(b).hex()).toBe(want);
      expect(createSha256(true).update(b.subarray(0, n >> 1)).update(b.subarray(n >> 1)).hex()).toBe(want);
      expect(createSha256().update(b).hex()).toBe(want);
    }
    expect(createSha256(true).update(new TextEncoder().encode('abc')).hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
