// CPU twins of elementwise.ts.

import type { Floats } from './floats';

export function addInto(src: Floats, acc: Floats): void {
  for (let i = 0; i < src.length; i++) acc[i] += src[i];
}
