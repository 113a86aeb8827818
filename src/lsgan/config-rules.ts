// The rules a training configuration is held to wherever it comes from: the command line's
// flags (src/cli/main.ts) and a run file's metadata (checkpoint-rules.ts), so a resumed run
// can never hold a value its flag would have refused.

import type { LsganConfig } from './lsgan';

export interface Rule {
  check: (x: number) => boolean;
  /** What a good value is, for messages: "--batch 3: expected ...". */
  what: string;
}

const posInt = (x: number) => Number.isInteger(x) && x >= 1;

export const CONFIG_RULES: Record<keyof LsganConfig, Rule> = {
  batch: { check: (x) => posInt(x) && x % 2 === 0 && x <= 4096, what: 'an even whole number from 2 to 4096' },
  latent: { check: posInt, what: 'a whole number >= 1' },
  lr: { check: (x) => Number.isFinite(x) && x > 0, what: 'a positive number' },
  beta1: { check: (x) => x >= 0 && x < 1, what: 'a number in [0, 1)' },
  seed: { check: (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, what: 'a whole number from 0 to 4294967295' },
};

export const CONFIG_KEYS = Object.keys(CONFIG_RULES) as Array<keyof LsganConfig>;

export const WHOLE_NUMBER: Rule = { check: posInt, what: 'a whole number >= 1' };
