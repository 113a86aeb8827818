// Flag parsing shared by the commands (main.ts, judge-commands.ts): numbers held to a rule,
// and the error that makes the command line print its usage and exit with 2.

import { printable } from '../lsgan/json-strict';

export class UsageError extends Error {}

export const posInt = (x: number) => Number.isInteger(x) && x >= 1;

export function num(name: string, v: string | undefined, fallback: number, check: (x: number) => boolean, what: string): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name} ${printable(v)}: expected ${what}`);
  return x;
}

export const SEED_RULE = { check: (x: number) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, what: 'a whole number from 0 to 4294967295' };
