// Building mutants of a safetensors file for the fuzz test: byte-level edits of the raw file,
// edits of the parsed header written back (with or without our checksums), and files
// re-encoded through the library's writer, so their checksums are valid and only the rules
// on values can catch them.

import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../../src/lsgan/safetensors';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Header = Record<string, any>;

export interface Split {
  text: string;
  header: Header;
  data: Uint8Array;
}

export function split(bytes: Uint8Array): Split {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  return { text, header: JSON.parse(text), data: bytes.subarray(8 + n) };
}

/** A file from header text and data; `length` overrides the header length field. */
export function assemble(text: string, data: Uint8Array, length?: bigint): Uint8Array {
  const head = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

/** The header parsed, edited and written back; the data section unchanged. */
export function withHeader(bytes: Uint8Array, edit: (h: Header) => void): Uint8Array {
  const s = split(bytes);
  edit(s.header);
  return assemble(JSON.stringify(s.header), s.data);
}

/** The header text edited as text (for what JSON.stringify cannot write: duplicates, 2.0, deep nesting). */
export function withText(bytes: Uint8Array, edit: (text: string) => string): Uint8Array {
  const s = split(bytes);
  return assemble(edit(s.text.trimEnd()), s.data);
}

export const CHECKSUMS = ['sha256', 'sha256_tensors', 'sha256_header'];

/** The same file as a writer without our checksums (PyTorch, numpy) would leave it. */
export function unchecked(bytes: Uint8Array): Uint8Array {
  return withHeader(bytes, (h) => { for (const k of CHECKSUMS) delete h.__metadata__[k]; });
}

/** The file decoded, edited as tensors and metadata, and written again by encodeSafetensors (fresh checksums). */
export function reencode(bytes: Uint8Array, edit: (tensors: NamedArray[], meta: Record<string, string>) => NamedArray[] | void): Uint8Array {
  const st = decodeSafetensors('base', bytes);
  let tensors: NamedArray[] = [...st.tensors.values()].map((t) => ({ ...t, data: t.data.slice() }));
  const meta = { ...st.metadata };
  tensors = edit(tensors, meta) ?? tensors;
  return encodeSafetensors(tensors, meta);
}

/** Tensor entries in data order. */
export function entries(h: Header): Array<[string, { dtype: string; shape: number[]; data_offsets: [number, number] }]> {
  return Object.entries(h).filter(([k]) => k !== '__metadata__').sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
}

/** The tensor whose data holds byte `at` of the data section. */
export function tensorAt(h: Header, at: number): string {
  return entries(h).find(([, e]) => at >= e.data_offsets[0] && at < e.data_offsets[1])![0];
}

export function deepArray(depth: number): string {
  return '['.repeat(depth) + '1' + ']'.repeat(depth);
}

export function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Same bytes under the same names, same metadata: the mutation changed nothing a reader sees. */
export function sameContent(a: Uint8Array, b: Uint8Array): boolean {
  const x = decodeSafetensors('a', a), y = decodeSafetensors('b', b);
  if (JSON.stringify(Object.entries(x.metadata).sort()) !== JSON.stringify(Object.entries(y.metadata).sort())) return false;
  if (x.tensors.size !== y.tensors.size) return false;
  for (const [name, t] of x.tensors) {
    const u = y.tensors.get(name);
    if (u === undefined || JSON.stringify(u.shape) !== JSON.stringify(t.shape)) return false;
    if (Buffer.compare(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength)) !== 0) return false;
  }
  return true;
}
