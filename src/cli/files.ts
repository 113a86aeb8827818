// Writing the command line's outputs so that a crash never leaves a damaged file under a real
// name: each file is written to NAME.tmp-PID beside it, flushed to disk (fsync), then renamed
// over NAME in one step. On any failure (a full disk, a directory in the way) the temporary
// file is removed and the error is one line naming the file; the previous NAME is untouched.
// A process killed outright (SIGKILL, power loss) cannot remove its temporary file, so the
// next run removes those whose process is gone (cleanStaleTemps).

import { closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { printable } from '../lsgan/json-strict';

/** A file the command cannot write or a path it cannot use: one line, naming the path. */
export class FileError extends Error {
  override name = 'FileError';
}

const TEMP = /^(.+)\.tmp-(\d+)$/;

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EISDIR: 'it is a directory',
    EACCES: 'permission denied', EPERM: 'operation not permitted', ENOENT: 'its directory does not exist',
    ENOTDIR: 'a part of the path is not a directory', EROFS: 'read-only file system', EINVAL: 'not a file name',
  };
  return err.code !== undefined ? `${known[err.code] ?? err.message.split('\n')[0]} (${err.code})` : String(err.message ?? e).split('\n')[0];
}

export function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  try {
    if (basename(file) === '' || file.endsWith('/')) throw Object.assign(new Error('not a file name'), { code: 'EINVAL' });
    const fd = openSync(tmp, 'w');
    try {
      for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw new FileError(`${printable(file, 300)}: cannot write it: ${reason(e)}; any earlier version of it is unchanged`);
  }
}

/** Fails early, before any work, when `file` cannot be an output file name. */
export function checkOutputFile(flag: string, file: string): void {
  if (file === '') throw new FileError(`${flag} "": expected a file name`);
  let isDir = false;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    // Does not exist yet: fine, as long as its directory does.
  }
  if (isDir || file.endsWith('/')) throw new FileError(`${flag} ${printable(file, 300)}: is a directory, expected a file name (e.g. ${printable(join(file, 'generated.png'), 300)})`);
  try {
    if (!statSync(dirname(file)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new FileError(`${flag} ${printable(file, 300)}: its directory ${printable(dirname(file), 300)} does not exist`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files (NAME.tmp-PID) that a killed process left in `dir`; those of a
 * process still running are left alone. `only` limits it to the temporaries of one file name.
 * Returns one line per file found, for the user.
 */
export function cleanStaleTemps(dir: string, only?: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const m = TEMP.exec(n);
    if (m === null || (only !== undefined && m[1] !== only)) continue;
    const pid = Number(m[2]), path = join(dir, n);
    if (pid === process.pid) continue;
    if (alive(pid)) {
      out.push(`left ${printable(path, 300)} alone: process ${pid}, which may be writing it, is running`);
      continue;
    }
    try {
      unlinkSync(path);
      out.push(`removed ${printable(path, 300)}, an incomplete file left by process ${pid} (killed while writing ${printable(m[1])})`);
    } catch (e) {
      out.push(`could not remove ${printable(path, 300)}: ${reason(e)}`);
    }
  }
  return out;
}
