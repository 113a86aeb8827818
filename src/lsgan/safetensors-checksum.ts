// Checksums our safetensors files carry in __metadata__, beyond the format itself, so a
// flipped bit or an edited header is reported instead of loaded:
//   sha256          SHA-256 of the data section (every byte after the header)
//   sha256_tensors  {"name": SHA-256 of that tensor's bytes, ...} as a JSON string: only read
//                   when sha256 fails, to name the first tensor (in data order) that changed
//   sha256_header   SHA-256 of the header in a canonical form: every tensor's name, dtype, shape
//                   and data_offsets (sorted by name) and every metadata entry but this one
//                   (sorted by key), so no edit of the header survives except of its layout
//                   (whitespace, key order, string escapes), which changes nothing read from it.
// Files without them (written by PyTorch or numpy) load unverified.

import { JsonError, parseJson, printable } from './json-strict';
import { createSha256, sha256Hex } from './sha256';

export const CHECKSUM_KEYS = ['sha256', 'sha256_tensors', 'sha256_header'] as const;

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: readonly number[];
  begin: number;
  end: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function headerDigest(metadata: Record<string, string>, tensors: readonly TensorEntry[]): string {
  const meta = Object.entries(metadata).filter(([k]) => k !== 'sha256_header').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const table = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((t) => [t.name, t.dtype, t.shape, [t.begin, t.end]]);
  return sha256Hex(new TextEncoder().encode(JSON.stringify({ metadata: meta, tensors: table })));
}

/** The three checksum entries for a file with this data section and these tensors (in data order). */
export function checksumMetadata(metadata: Record<string, string>, tensors: readonly TensorEntry[], data: Uint8Array): Record<string, string> {
  const perTensor: Record<string, string> = Object.create(null);
  for (const t of tensors) perTensor[t.name] = sha256Hex(data.subarray(t.begin, t.end));
  const withData = { ...metadata, sha256: sha256Hex(data), sha256_tensors: JSON.stringify(perTensor) };
  return { ...withData, sha256_header: headerDigest(withData, tensors) };
}

/**
 * Verifies whichever checksums `metadata` holds; returns whether there was any. `tensors` in
 * data order; throws `fail(message)` on the first mismatch, naming the tensor where it can.
 */
export function verifyChecksums(metadata: Record<string, string>, tensors: readonly TensorEntry[], data: Uint8Array, fail: (msg: string) => never): boolean {
  const present = CHECKSUM_KEYS.filter((k) => k in metadata);
  for (const k of ['sha256', 'sha256_header'] as const) {
    if (k in metadata && !HEX64.test(metadata[k])) fail(`__metadata__.${k} is not a SHA-256 digest (64 lowercase hex digits)`);
  }
  if ('sha256_header' in metadata && headerDigest(metadata, tensors) !== metadata.sha256_header) {
    fail('the header was edited after the file was written: a tensor\'s name, dtype, shape or data_offsets, or a metadata value, differs from what __metadata__.sha256_header covers');
  }
  if ('sha256' in metadata) {
    const h = createSha256();
    h.update(data);
    if (h.hex() !== metadata.sha256) {
      const perTensor = readPerTensor(metadata.sha256_tensors);
      for (const t of tensors) {
        const want = perTensor?.get(t.name);
        if (want !== undefined && sha256Hex(data.subarray(t.begin, t.end)) !== want) {
          fail(`tensor ${printable(t.name)}: its bytes changed after the file was written (SHA-256 mismatch: a flipped bit, or a damaged copy)`);
        }
      }
      fail('the data changed after the file was written (SHA-256 of the data section does not match __metadata__.sha256)');
    }
  }
  return present.length > 0;
}

function readPerTensor(text: string | undefined): Map<string, string> | null {
  if (text === undefined) return null;
  try {
    const v = parseJson(text);
    if (!(v instanceof Map)) return null;
    const out = new Map<string, string>();
    for (const [k, d] of v) if (typeof d === 'string' && HEX64.test(d)) out.set(k, d);
    return out;
  } catch (e) {
    if (e instanceof JsonError) return null;
    throw e;
  }
}
