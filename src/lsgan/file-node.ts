// Reading a file named on the command line (--model, --resume, --data) without trusting it:
// its type and size are checked before it is opened, so a FIFO, a device such as /dev/zero or
// a directory gets one line instead of a hang or an unbounded read, and a file over the limit
// is refused before any memory is allocated for it. The open is non-blocking (a FIFO swapped
// in after the check cannot block either), the open descriptor is checked again, and exactly
// the size found is read.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { printable } from './json-strict';

/** Checkpoints and MNIST files above this are refused: 1 GiB (a run file at batch 64 is 25 MB, MNIST 47 MB). */
export const MAX_INPUT_BYTES = 2 ** 30;

export interface ReadOptions {
  /** What the file should be, for messages: "a checkpoint", "an IDX image file". */
  what: string;
  /** Makes the error (DataError, CheckpointError): messages start with the file's name. */
  error: (message: string) => Error;
  /** Added to "no such file", e.g. " (expected the MNIST training images in IDX format)". */
  missingHint?: string;
  limit?: number;
}

function kind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function readInputFile(file: string, o: ReadOptions): Uint8Array {
  const name = printable(file, 300);
  const ours = new WeakSet<object>();
  const fail = (msg: string): never => {
    const e = o.error(`${name}: ${msg}`);
    ours.add(e);
    throw e;
  };
  const limit = o.limit ?? MAX_INPUT_BYTES;
  const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0];
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return fail(`no such file${o.missingHint ?? ''}`);
    return fail(`cannot read it (${code(e)})`);
  }
  const check = (s: Stats) => {
    if (!s.isFile()) fail(`is ${kind(s)}, expected ${o.what} (a regular file)`);
    if (s.size > limit) fail(`${s.size} bytes is more than the ${limit}-byte limit for ${o.what}`);
  };
  check(st);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return fail(`cannot open it (${code(e)})`);
  }
  try {
    const now = fstatSync(fd);
    check(now);
    if (now.ino !== st.ino || now.dev !== st.dev) fail('changed while being opened');
    const out = new Uint8Array(now.size);
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, null);
      if (n === 0) fail(`shrank while being read (${at} of ${out.length} bytes)`);
      at += n;
    }
    if (readSync(fd, new Uint8Array(1), 0, 1, null) !== 0) fail('grew while being read');
    return out;
  } catch (e) {
    if (ours.has(e as object)) throw e;
    return fail(`cannot read it (${code(e)})`);
  } finally {
    closeSync(fd);
  }
}
