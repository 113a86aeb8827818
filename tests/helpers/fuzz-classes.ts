// The mutation classes of the checkpoint fuzz test (tests/checkpoint-fuzz.test.ts), as
// generators so only one mutant of a 25 MB file is held at a time. A mutant must be rejected,
// or change nothing a reader sees, or carry `either`: the reason no rule can see its change.

import { assemble, deepArray, deepObject, entries, reencode, split, tensorAt, unchecked, withHeader, withText, type Header } from './mutants';
import type { Rng } from './random';

export interface Mutant {
  cls: string;
  bytes: Uint8Array;
  either?: string;
  /** What was done, where a class holds many different edits. */
  label?: string;
  /** The tensor a message must name (a data byte changed in a file with checksums). */
  names?: string;
}

const NO_CHECKSUM = 'a valid value in a file without checksums';

export function* safetensorsMutants(base: Uint8Array, kind: 'generator' | 'run', r: Rng): Generator<Mutant> {
  const s = split(base), h = s.header, dataStart = base.length - s.data.length;
  const plain = unchecked(base);
  const ents = entries(h);
  const int = (n: number) => Math.floor(r() * n);
  const flip = (b: Uint8Array, at: number, x = 1 + int(255)) => { const c = b.slice(); c[at] ^= x; return c; };
  const run = kind === 'run';

  // Truncations: inside the length, the header, the data, and clean cuts at tensor ends.
  for (const len of [0, 4, 7, 8, 9, dataStart - 1, dataStart, dataStart + 1, base.length - 1, base.length - 4,
    ...ents.filter((_, i) => i % 5 === 1).map(([, e]) => dataStart + e.data_offsets[1]),
    ...Array.from({ length: 24 }, () => int(base.length))]) yield { cls: 'truncation', bytes: base.subarray(0, len) };
  // The 8-byte header length: every bit flipped (a sample of them in the big run file), +-1..8.
  for (let bit = 0; bit < 64; bit += run ? 3 : 1) yield { cls: 'length bit flip', bytes: flip(base, bit >> 3, 1 << (bit & 7)) };
  for (let d = -8; d <= 8; d++) if (d !== 0) yield { cls: 'length off by 1-8', bytes: assemble(s.text, s.data, BigInt(s.text.length + d)) };
  // Random bytes of the header text and of the data, with and without checksums.
  for (let k = 0; k < (run ? 60 : 100); k++) yield { cls: 'header byte', bytes: flip(base, 8 + int(dataStart - 8)) };
  for (let k = 0; k < (run ? 50 : 80); k++) {
    const at = int(s.data.length);
    yield { cls: 'data byte (checksum)', bytes: flip(base, dataStart + at), names: tensorAt(h, at) };
  }
  for (let k = 0; k < (run ? 15 : 25); k++) yield { cls: 'data byte (no checksum)', bytes: flip(plain, plain.length - s.data.length + int(s.data.length)), either: 'a data byte in a file without checksums: every bit pattern is some float' };

  // Every field of some tensors' entries, then every metadata entry, edited in the parsed header.
  const targets = [ents[0][0], ents[ents.length - 1][0], ents[int(ents.length)][0], ...(run ? ['iteration'] : [])];
  const edits: Array<[string, (h: Header) => void, string?]> = [];
  for (const t of targets) {
    const e = () => h[t];
    const [b, en] = e().data_offsets as [number, number];
    const shape = e().shape as number[];
    for (const dtype of ['F16', 'F64', 'f32', '', 'BF16', 'U8', 123, null, ['F32']]) edits.push([`dtype ${JSON.stringify(dtype)}`, (x) => { x[t].dtype = dtype; }]);
    edits.push(['shape reversed', (x) => { x[t].shape = [...shape].reverse().concat(shape.length === 1 ? [1] : []); }]);
    edits.push(['shape +1', (x) => { x[t].shape = [shape[0] + 1, ...shape.slice(1)]; }]);
    edits.push(['shape -1', (x) => { x[t].shape = [-1, ...shape.slice(1)]; }]);
    edits.push(['shape []', (x) => { x[t].shape = []; }]);
    edits.push(['shape flattened', (x) => { x[t].shape = [shape.reduce((a, c) => a * c, 1)]; }]);
    edits.push(['shape with a 1', (x) => { x[t].shape = [...shape, 1]; }]);
    edits.push(['shape as strings', (x) => { x[t].shape = shape.map(String); }]);
    edits.push(['shape null', (x) => { x[t].shape = null; }]);
    for (const [label, off] of [['+4', [b + 4, en + 4]], ['end +4', [b, en + 4]], ['end -4', [b, en - 4]], ['one', [b]], ['three', [b, en, en]],
      ['reversed', [en, b]], ['null', [b, null]], ['strings', [String(b), String(en)]], ['-1', [b - 1, en - 1]], ['2^64', [b, 2 ** 64]]] as const) {
      edits.push([`data_offsets ${label}`, (x) => { x[t].data_offsets = off; }]);
    }
    edits.push(['entry removed', (x) => { delete x[t]; }]);
    edits.push(['extra field', (x) => { x[t].extra = 1; }]);
    edits.push(['entry []', (x) => { x[t] = []; }]);
    edits.push(['renamed', (x) => { x[`${t}x`] = x[t]; delete x[t]; }]);
  }
  const meta = h.__metadata__ as Record<string, string>;
  for (const k of Object.keys(meta).filter((k) => !k.startsWith('sha256'))) {
    // What no rule can check in a file without checksums: free text, and the generator's
    // config, which generate does not use (it needs only latent and step).
    const free = k === 'architecture' ? 'free-text metadata (architecture) in a file without checksums' : undefined;
    const optional = k === 'config' && !run ? "the generator's optional config removed, in a file without checksums" : free;
    edits.push([`metadata ${k} removed`, (x) => { delete x.__metadata__[k]; }, optional]);
    edits.push([`metadata ${k} = 1`, (x) => { x.__metadata__[k] = 1; }]);
    edits.push([`metadata ${k} = ""`, (x) => { x.__metadata__[k] = ''; }, free]);
    edits.push([`metadata ${k} + "x"`, (x) => { x.__metadata__[k] += 'x'; }, free]);
  }
  edits.push(['metadata extra key', (x) => { x.__metadata__.comment = 'hi'; }, 'an extra metadata entry that no reader uses, in a file without checksums']);
  const config = JSON.parse(meta.config);
  for (const [k, v, ok] of [['lr', -1], ['lr', 0], ['lr', 'x'], ['beta1', 1.5], ['seed', 2 ** 32], ['seed', 1.5], ['batch', 3], ['batch', 8192], ['latent', 0], ['latent', 50],
    ['lr', 0.0003, true], ['seed', 7, true], ['beta1', 0.9, true], ['batch', 4, true]] as Array<[string, unknown, boolean?]>) {
    edits.push([`config.${k} = ${JSON.stringify(v)}`, (x) => { x.__metadata__.config = JSON.stringify({ ...config, [k]: v }); }, ok ? NO_CHECKSUM : undefined]);
  }
  for (const c of ['null', '[]', '{}', '"x"', '{"batch":2}', JSON.stringify({ ...config, extra: 1 })]) edits.push([`config = ${c}`, (x) => { x.__metadata__.config = c; }]);
  for (const v of ['-1', '1e1', '20.0', String(Number(meta.step) + 1), ' 20', '0x14']) edits.push([`step = ${v}`, (x) => { x.__metadata__.step = v; }]);
  for (const v of ['50', '0100', '100.0', '0']) edits.push([`latent = ${v}`, (x) => { x.__metadata__.latent = v; }]);
  const swap = (a: string, b: string, why?: string) => edits.push([`offsets of ${a} and ${b} swapped`, (x) => { [x[a].data_offsets, x[b].data_offsets] = [x[b].data_offsets, x[a].data_offsets]; }, why]);
  swap('generator/batch_normalization_1/gamma', 'generator/batch_normalization_1/beta', `two same-size tensors swapped (${NO_CHECKSUM})`);
  if (run) swap('d_optimizer/discriminator/dense/kernel/m', 'd_optimizer/discriminator/dense/kernel/v');
  for (const [label, edit, either] of edits) {
    yield { cls: 'JSON field edit (checksum)', bytes: withHeader(base, edit), label };
    yield { cls: 'JSON field edit (no checksum)', bytes: withHeader(plain, edit), either, label };
  }

  // Duplicate keys at every level, and holes, trailing bytes, deep nesting, odd names.
  const t0 = ents[1][0], e0 = JSON.stringify(h[t0]);
  const dups: Array<(text: string) => string> = [
    (x) => x.replace('{', `{${JSON.stringify(t0)}:${e0},`),
    (x) => x.replace('{', '{"__metadata__":{},'),
    (x) => x.replace(`${JSON.stringify(t0)}:{`, `${JSON.stringify(t0)}:{"shape":[1],`),
    (x) => x.replace(`${JSON.stringify(t0)}:{`, `${JSON.stringify(t0)}:{"dtype":"F32",`),
    (x) => x.replace(`${JSON.stringify(t0)}:{`, `${JSON.stringify(t0)}:{"data_offsets":${JSON.stringify(h[t0].data_offsets)},`),
    (x) => x.replace('"__metadata__":{', '"__metadata__":{"format":"x",'),
    (x) => x.replace('"__metadata__":{', `"__metadata__":{"step":${JSON.stringify(meta.step)},`),
    (x) => x.replace('"config":"{', '"config":"{\\"seed\\":9,'),
  ];
  for (const d of dups) for (const b of [base, plain]) yield { cls: 'duplicate key', bytes: withText(b, d) };
  for (const b of [base, plain]) {
    const sb = split(b);
    for (const [k, gap] of [[0, 4], [3, 1], [ents.length >> 1, 8], [ents.length - 2, 4], [-1, 4]]) {
      // Junk after tensor k (before everything for k = -1), later offsets shifted past it.
      const cut = k < 0 ? 0 : ents[k][1].data_offsets[1];
      const hdr: Header = JSON.parse(sb.text);
      for (const [name] of ents) if (hdr[name].data_offsets[0] >= cut) hdr[name].data_offsets = hdr[name].data_offsets.map((o: number) => o + gap);
      const data = new Uint8Array(sb.data.length + gap).fill(0x5a);
      data.set(sb.data.subarray(0, cut), 0);
      data.set(sb.data.subarray(cut), cut + gap);
      yield { cls: 'hole in the data', bytes: assemble(JSON.stringify(hdr), data) };
    }
    for (const extra of [1, 4, 8, 4096]) yield { cls: 'trailing bytes', bytes: concat(b, new Uint8Array(extra)) };
    yield { cls: 'trailing bytes', bytes: concat(b, b) };
    // A field nested 100,000 deep (or just past the 64-level limit) at the head of an entry.
    for (const [where, deep] of [['shape', deepArray(100_000)], ['dtype', deepArray(100_000)], ['data_offsets', deepArray(100_000)], ['shape', deepArray(63)], ['shape', deepObject(100_000)]]) {
      yield { cls: 'deep nesting', bytes: withText(b, (x) => x.replace(`${JSON.stringify(t0)}:{`, `${JSON.stringify(t0)}:{"${where}":${deep},`)) };
    }
    yield { cls: 'deep nesting', bytes: withText(b, (x) => x.replace('{', `{"deep":${deepObject(100_000)},`)) };
    yield { cls: 'deep nesting', bytes: withText(b, (x) => x.replace('"config":"{', `"config":"${'['.repeat(100_000)}{`)) };
    for (const name of ['\n', 'a\nb', '\u001b[31mred\u001b[0m', '\u202egnp.exe', '', 'x'.repeat(10_000), '__proto__', 'constructor', '\t', '\u0000', `${t0} `, 'é', '\ud800']) {
      yield { cls: 'odd tensor name', bytes: withHeader(b, (x) => { x[name] = x[t0]; delete x[t0]; }) };
    }
    yield { cls: 'odd tensor name', bytes: withText(b, (x) => x.replace(JSON.stringify(t0), '"\\ud800x"')) };
    yield { cls: 'odd tensor name', bytes: withText(b, (x) => x.replace(JSON.stringify(t0), '"__proto__"')) };
    // An extra, empty tensor under an odd name, so the message has to print the name.
    const end = s.data.length;
    for (const name of ['a\nb', '\u001b[2J\u001b[31mred', '\u202etxt.exe', '\r', '\u2028', '__proto__', 'x'.repeat(5000)]) {
      yield { cls: 'odd tensor name', bytes: withText(b, (x) => x.replace('{', `{${JSON.stringify(name)}:{"dtype":"F32","shape":[0],"data_offsets":[${end},${end}]},`)) };
      yield { cls: 'odd tensor name', bytes: withText(b, (x) => x.replace('{', `{${JSON.stringify(name)}:{"dtype":"F16","shape":[0],"data_offsets":[${end},${end}]},`)) };
    }
  }

  // Values no format rule sees, in files re-encoded with valid checksums: the loaders' rules must.
  const values: Array<[string, Parameters<typeof reencode>[1]]> = [];
  for (const v of [NaN, Infinity, -Infinity]) {
    for (let k = 0; k < 2; k++) values.push([`${v} in a tensor`, (ts) => { const t = ts[int(ts.length)]; t.data[int(t.data.length)] = v; }]);
  }
  values.push(['negative moving variance', (ts) => { ts.find((t) => t.name.endsWith('moving_variance'))!.data[3] = -0.5; }]);
  if (run) {
    values.push(["negative Adam v", (ts) => { ts.find((t) => /optimizer\/.*\/v$/.test(t.name))!.data[0] = -1e-9; }]);
    for (const v of [NaN, Infinity, -1]) values.push([`${v} in the loss history`, (ts) => { ts.find((t) => t.name === 'history/losses')!.data[7] = v; }]);
    values.push(['history removed', (ts) => ts.filter((t) => t.name !== 'history/losses')]);
    values.push(['history one row short', (ts) => { const t = ts.find((x) => x.name === 'history/losses')!; t.shape = [t.shape[0] - 1, 3]; t.data = t.data.slice(3); }]);
    values.push(['history [n, 2]', (ts) => { const t = ts.find((x) => x.name === 'history/losses')!; t.shape = [t.data.length / 2, 2]; }]);
    for (const [name, d] of [['iteration', 1], ['d_optimizer/iterations', -Number(meta.step)], ['gan_optimizer/iterations', 1]] as const) {
      values.push([`${name} off`, (ts) => { ts.find((t) => t.name === name)!.data[0] += d; }]);
    }
  }
  for (const [k, v] of [['config', 'null'], ['config', JSON.stringify({ ...config, lr: -1 })], ['config', JSON.stringify({ ...config, beta1: 1.5 })], ['config', JSON.stringify({ ...config, seed: 2 ** 32 })],
    ['config', JSON.stringify({ ...config, latent: 7 })], ['step', '-1'], ['step', '1e1'], ['step', String(Number(meta.step) + 1)], ['latent', '50'], ['format', 'x'], ...(run ? [['history_columns', 'a,b,c']] : [])]) {
    values.push([`metadata ${k} = ${v}`, (_, m) => { m[k] = v; }]);
  }
  for (const [label, edit] of values) yield { cls: 'values (valid checksum)', bytes: reencode(base, edit), label };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
