// JSON (RFC 8259) for headers from untrusted files. JSON.parse keeps the last of duplicate
// keys and recurses as deep as the input nests; this parser instead
//   - rejects a duplicate key in any object, naming it,
//   - runs on an explicit stack and refuses nesting deeper than MAX_DEPTH,
//   - keeps each number's text, so 2^64 or 1e3 is seen for what it is, not as a rounded double,
//   - rejects lone surrogate escapes (as serde_json, the reference reader's parser, does),
// and says where it stopped (a character index into the text).

export class JsonNumber {
  constructor(readonly text: string) {}
  get value(): number {
    return Number(this.text);
  }
  /** The value as a safe integer, or null unless the text is plain digits (no sign, fraction or exponent). */
  get integer(): number | null {
    if (!/^(0|[1-9][0-9]*)$/.test(this.text)) return null;
    const v = Number(this.text);
    return Number.isSafeInteger(v) ? v : null;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
/** Objects keep their keys in file order; a key occurs once. */
export type JsonObject = Map<string, JsonValue>;

export const MAX_DEPTH = 64;

export class JsonError extends Error {
  override name = 'JsonError';
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

interface Frame {
  container: JsonValue[] | JsonObject;
  key: string | null; // the key awaiting its value, in an object
}

export function parseJson(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonError(`${what} at character ${i}`);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let from = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) { out += text.slice(from, i); i++; return out; }
      if (c < 0x20) fail('control character in a string');
      if (c !== 0x5c) { i++; continue; }
      out += text.slice(from, i);
      const e = text[i + 1];
      if (e === 'u') {
        const unit = (at: number): number => {
          const h = text.slice(at, at + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('bad \\u escape');
          return parseInt(h, 16);
        };
        const u = unit(i + 2);
        i += 6;
        if (u >= 0xdc00 && u <= 0xdfff) fail('lone trailing surrogate in a \\u escape');
        if (u >= 0xd800 && u <= 0xdbff) {
          if (text[i] !== '\\' || text[i + 1] !== 'u') fail('lone leading surrogate in a \\u escape');
          const low = unit(i + 2);
          if (low < 0xdc00 || low > 0xdfff) fail('lone leading surrogate in a \\u escape');
          i += 6;
          out += String.fromCharCode(u, low);
        } else {
          out += String.fromCharCode(u);
        }
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        i += 2;
      } else {
        fail('bad escape in a string');
      }
      from = i;
    }
  };

  const stack: Frame[] = [];
  let result: JsonValue | undefined;
  for (;;) {
    // Read one value (a scalar, or the opening of a container).
    ws();
    let value: JsonValue | undefined;
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
      i++;
      ws();
      const frame: Frame = { container: c === '{' ? new Map() : [], key: null };
      if (text[i] === (c === '{' ? '}' : ']')) { i++; value = frame.container; } else {
        stack.push(frame);
        if (c === '{') { readKey(); }
        continue;
      }
    } else if (c === '"') value = str();
    else if (c === 't' && text.startsWith('true', i)) { i += 4; value = true; }
    else if (c === 'f' && text.startsWith('false', i)) { i += 5; value = false; }
    else if (c === 'n' && text.startsWith('null', i)) { i += 4; value = null; }
    else {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) fail(i >= text.length ? 'unexpected end of text' : `unexpected ${JSON.stringify(c)}`);
      i += m![0].length;
      value = new JsonNumber(m![0]);
    }
    // Attach it, and close every container that ends here.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) { result = value; break; }
      if (Array.isArray(top.container)) top.container.push(value!);
      else top.container.set(top.key!, value!);
      ws();
      const close = Array.isArray(top.container) ? ']' : '}';
      if (text[i] === ',') {
        i++;
        if (!Array.isArray(top.container)) readKey();
        value = undefined;
        break;
      }
      if (text[i] !== close) fail(`expected ',' or '${close}'`);
      i++;
      stack.pop();
      value = top.container;
    }
    if (result !== undefined) break;
  }
  ws();
  if (i < text.length) fail('unexpected text after the JSON value');
  return result;

  function readKey(): void {
    ws();
    if (text[i] !== '"') fail('expected a string key');
    const key = str();
    const top = stack[stack.length - 1];
    if ((top.container as JsonObject).has(key)) fail(`duplicate key ${printable(key)}`);
    top.key = key;
    ws();
    if (text[i] !== ':') fail("expected ':'");
    i++;
  }
}

/**
 * A name from a file, safe to print on one line: as is when it is plain printable ASCII
 * (spaces inside it allowed),
 * otherwise JSON-quoted with every control, line-separating or bidirectional character
 * escaped; cut to `max` characters.
 */
export function printable(s: string, max = 120): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const more = s.length > max ? `...(${s.length} characters)` : '';
  if (/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(cut)) return cut + more;
  return quoted(cut) + more;
}

/**
 * JSON-quoted, with every control, line-separating, invisible or bidirectional character
 * escaped too (JSON.stringify already escapes C0 controls and lone surrogates).
 */
export function quoted(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

class Raw {
  constructor(readonly text: string) {}
}

/** A short one-line description of a parsed value for messages (about `budget` characters). */
export function describeJson(v: JsonValue, budget = 80): string {
  let out = '';
  // Iterative: pieces still to print, containers expanded one level at a time, at most 16
  // elements each, so neither depth nor size costs more than the budget.
  const todo: Array<JsonValue | Raw> = [v];
  while (todo.length > 0 && out.length < budget) {
    const x = todo.shift()!;
    if (x instanceof Raw) out += x.text;
    else if (x === null || typeof x === 'boolean') out += String(x);
    else if (typeof x === 'string') out += quoted(x.length > 40 ? `${x.slice(0, 40)}...` : x);
    else if (x instanceof JsonNumber) out += x.text.length > 30 ? `${x.text.slice(0, 30)}...` : x.text;
    else {
      const entries: Array<[string | null, JsonValue]> = [];
      if (Array.isArray(x)) for (let k = 0; k < Math.min(16, x.length); k++) entries.push([null, x[k]]);
      else for (const e of x) { if (entries.length === 16) break; entries.push(e); }
      const size = Array.isArray(x) ? x.length : x.size;
      const parts: Array<JsonValue | Raw> = [new Raw(Array.isArray(x) ? '[' : '{')];
      entries.forEach(([k, e], n) => parts.push(new Raw(`${n > 0 ? ', ' : ''}${k === null ? '' : `${printable(k, 40)}: `}`), e));
      if (size > entries.length) parts.push(new Raw(', ...'));
      parts.push(new Raw(Array.isArray(x) ? ']' : '}'));
      todo.unshift(...parts);
    }
  }
  return todo.length > 0 || out.length > budget ? `${out.slice(0, budget)}...` : out;
}
