// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, ...,
// "__metadata__": {string: string}}, then raw little-endian data. Only F32 is written and
// read here. The reader holds files to the reference implementation's rules:
//   - the header is at most 100,000,000 bytes of UTF-8, a JSON object starting with '{';
//   - each tensor's data_offsets span exactly prod(shape) x the dtype's size in bytes;
//   - sorted by offset, the tensors tile the data from 0 with no hole and no overlap, and the
//     last one ends exactly at the end of the file (no trailing bytes);
// and to stricter ones of our own: no duplicate key at any level (json-strict.ts sees them),
// nesting at most 64 deep (no recursion the input controls), exactly the fields dtype, shape
// and data_offsets per tensor, integers written as plain digits. Every fault is one line that
// names the file and the tensor, with names escaped so a newline or an ANSI escape in a name
// cannot break the line. Files we write carry checksums (safetensors-checksum.ts).

import { describeJson, JsonError, JsonNumber, parseJson, printable, quoted, type JsonObject, type JsonValue } from './json-strict';
import { CHECKSUM_KEYS, checksumMetadata, verifyChecksums, type TensorEntry } from './safetensors-checksum';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafeTensors {
  tensors: Map<string, NamedArray>;
  /** The file's metadata without the checksum entries. */
  metadata: Record<string, string>;
  /** Whether the file carried checksums (and they matched: otherwise decoding throws). */
  verified: boolean;
}

/** The reference implementation's cap on the header (MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Element sizes of the reference's dtypes, so an unsupported one is named as such. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, F4: 1, F6_E2M3: 1, F6_E3M2: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8, C64: 8,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function encodeSafetensors(tensors: readonly NamedArray[], metadata: Record<string, string>): Uint8Array {
  const entries: TensorEntry[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new CheckpointError(`tensor ${printable(t.name)}: shape [${t.shape.join(', ')}] holds ${size} values, data has ${t.data.length}`);
    if (names.has(t.name) || t.name === '__metadata__') throw new CheckpointError(`tensor ${printable(t.name)}: duplicate name`);
    names.add(t.name);
    entries.push({ name: t.name, dtype: 'F32', shape: t.shape, begin: offset, end: offset + 4 * size });
    offset += 4 * size;
  }
  const data = new Uint8Array(offset);
  const view = new DataView(data.buffer);
  for (const [k, t] of tensors.entries()) {
    if (LITTLE_ENDIAN) data.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), entries[k].begin);
    else for (let i = 0; i < t.data.length; i++) view.setFloat32(entries[k].begin + 4 * i, t.data[i], true);
  }
  const plain = Object.fromEntries(Object.entries(metadata).filter(([k]) => !(CHECKSUM_KEYS as readonly string[]).includes(k)));
  const header: Record<string, unknown> = Object.create(null);
  header.__metadata__ = checksumMetadata(plain, entries, data);
  for (const e of entries) header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

export function decodeSafetensors(file: string, bytes: Uint8Array): SafeTensors {
  const fail = (msg: string): never => {
    throw new CheckpointError(`${printable(file, 300)}: ${msg}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a safetensors file (8-byte header length missing)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit of the format (not a safetensors file, or corrupted)`);
  const n = Number(headerLen);
  if (8 + n > bytes.length) fail(`truncated: header length ${n} but the file has ${bytes.length - 8} bytes after it`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  if (text[0] !== '{') fail(`header is not a JSON object: it starts ${quoted(text.slice(0, 8))}, not '{' (not a safetensors file, or a wrong header length)`);
  let header: JsonValue = null;
  try {
    header = parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    fail(`header is not valid JSON (${e.message})`);
  }
  if (!(header instanceof Map)) fail('header is not a JSON object');
  const dataStart = 8 + n, dataLen = bytes.length - dataStart;
  // No prototype: a key named __proto__ is then an entry like any other.
  const metadata: Record<string, string> = Object.create(null);
  const entries: TensorEntry[] = [];
  for (const [name, entry] of header as JsonObject) {
    if (name === '__metadata__') {
      if (!(entry instanceof Map)) fail('__metadata__ is not an object');
      for (const [k, v] of entry as JsonObject) {
        if (typeof v !== 'string') fail(`__metadata__.${printable(k)} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    entries.push(tensorEntry(printable(name), name, entry, fail));
  }
  // The reference's layout rule: sorted by offsets, each tensor starts where the last ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const [k, e] of sorted.entries()) {
    if (e.end > dataLen) fail(`tensor ${printable(e.name)}: data_offsets [${e.begin}, ${e.end}] run past the end of the data (${dataLen} bytes): truncated file?`);
    if (e.begin < at) fail(`tensors ${printable(sorted[k - 1].name)} and ${printable(e.name)} overlap in the data`);
    if (e.begin > at) {
      fail(k === 0
        ? `the data starts with a hole: the first tensor, ${printable(e.name)}, begins at byte ${e.begin}, not 0`
        : `a hole of ${e.begin - at} bytes in the data between tensors ${printable(sorted[k - 1].name)} and ${printable(e.name)} (data_offsets must be contiguous)`);
    }
    at = e.end;
  }
  if (at < dataLen) fail(`${dataLen - at} bytes after the last tensor's data (the tensors end at byte ${at} of a ${dataLen}-byte data section): trailing bytes, or a wrong header length`);
  const data = bytes.subarray(dataStart);
  const verified = verifyChecksums(metadata, sorted, data, fail);
  for (const k of CHECKSUM_KEYS) delete metadata[k];
  const tensors = new Map<string, NamedArray>();
  for (const e of entries) tensors.set(e.name, { name: e.name, shape: [...e.shape], data: floats(bytes, dataStart + e.begin, (e.end - e.begin) / 4) });
  return { tensors, metadata, verified };
}

/** One tensor's entry, checked on its own: known fields, F32, sizes, offsets and their span. */
function tensorEntry(shown: string, name: string, entry: JsonValue, fail: (msg: string) => never): TensorEntry {
  if (!(entry instanceof Map)) return fail(`tensor ${shown}: entry is not an object`);
  for (const k of entry.keys()) if (!['dtype', 'shape', 'data_offsets'].includes(k)) fail(`tensor ${shown}: unexpected field ${quoted(k)} (expected dtype, shape and data_offsets)`);
  const dtype = entry.get('dtype'), shapeJson = entry.get('shape'), offJson = entry.get('data_offsets');
  if (typeof dtype !== 'string') return fail(`tensor ${shown}: dtype ${dtype === undefined ? 'missing' : describeJson(dtype)} is not a dtype name`);
  if (!(dtype in DTYPE_BYTES)) fail(`tensor ${shown}: unknown dtype ${quoted(dtype)}`);
  if (dtype !== 'F32') fail(`tensor ${shown}: dtype ${quoted(dtype)}, only F32 is supported`);
  const ints = (v: JsonValue | undefined): number[] | null =>
    Array.isArray(v) && v.every((d) => d instanceof JsonNumber && d.integer !== null) ? v.map((d) => (d as JsonNumber).integer!) : null;
  const shape = ints(shapeJson);
  if (shape === null) return fail(`tensor ${shown}: shape ${shapeJson === undefined ? 'missing' : describeJson(shapeJson)} is not a list of sizes`);
  const off = ints(offJson);
  if (off === null || off.length !== 2) return fail(`tensor ${shown}: data_offsets ${offJson === undefined ? 'missing' : describeJson(offJson)} is not [begin, end]`);
  const [begin, end] = off;
  if (end < begin) fail(`tensor ${shown}: data_offsets [${begin}, ${end}] end before they begin`);
  // BigInt: a product of sizes can pass 2^53 long before it is a plausible tensor.
  const need = shape.reduce((a, d) => a * BigInt(d), 1n) * BigInt(DTYPE_BYTES[dtype]);
  if (need !== BigInt(end - begin)) fail(`tensor ${shown}: shape [${shape.join(', ')}] needs ${need} bytes, data_offsets span ${end - begin}`);
  return { name, dtype, shape, begin, end };
}

function floats(bytes: Uint8Array, at: number, count: number): Float32Array {
  if (LITTLE_ENDIAN && (bytes.byteOffset + at) % 4 === 0) return new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * count));
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, 4 * count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}
