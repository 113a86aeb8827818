// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, ...,
// "__metadata__": {string: string}}, then raw little-endian data. Only F32 is written and
// read here. Parsing validates everything and names the file and the tensor in each fault,
// so a damaged file gives a sentence, never a stack trace.

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
  metadata: Record<string, string>;
}

/** Headers above this are refused before allocating anything (the format's own cap is 100 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export function encodeSafetensors(tensors: readonly NamedArray[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new CheckpointError(`tensor ${t.name}: shape [${t.shape.join(', ')}] holds ${size} values, data has ${t.data.length}`);
    if (t.name in header) throw new CheckpointError(`tensor ${t.name}: duplicate name`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    // Float32Array is little-endian on every platform WebGPU runs on; write explicitly anyway.
    for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i], true);
    at += 4 * t.data.length;
  }
  return out;
}

export function decodeSafetensors(file: string, bytes: Uint8Array): SafeTensors {
  const fail = (msg: string): never => {
    throw new CheckpointError(`${file}: ${msg}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a safetensors file (8-byte header length missing)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or corrupted)`);
  const n = Number(headerLen);
  if (8 + n > bytes.length) fail(`truncated: header length ${n} but the file has ${bytes.length - 8} bytes after it`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n, dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, NamedArray>();
  const spans: Array<[number, number, string]> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`tensor ${name}: entry is not an object`);
    if (e.dtype !== 'F32') fail(`tensor ${name}: dtype ${JSON.stringify(e.dtype)}, only F32 is supported`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name}: shape ${JSON.stringify(e.shape)} is not a list of sizes`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name}: data_offsets ${JSON.stringify(off)} is not [begin, end]`);
    const [begin, end] = off as [number, number];
    const shape = e.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    if (end < begin) fail(`tensor ${name}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end - begin !== 4 * size) fail(`tensor ${name}: shape [${shape.join(', ')}] needs ${4 * size} bytes, data_offsets span ${end - begin}`);
    if (end > dataLen) fail(`tensor ${name}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes): truncated file?`);
    spans.push([begin, end, name]);
    const copy = bytes.slice(dataStart + begin, dataStart + end);
    const dv = new DataView(copy.buffer);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = dv.getFloat32(4 * i, true);
    tensors.set(name, { name, shape, data });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) fail(`tensors ${spans[i - 1][2]} and ${spans[i][2]} overlap in the data`);
  }
  return { tensors, metadata };
}
