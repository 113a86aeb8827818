// CPU twin of mnist.ts.

import type { Floats } from './floats';

/** The tutorial's scaling, (x - 127.5) / 127.5, of the images named by `index`. */
export function gatherBatch(images: Uint8Array, pixels: number, index: ArrayLike<number>, out: Floats): void {
  for (let b = 0; b < index.length; b++) {
    for (let p = 0; p < pixels; p++) out[b * pixels + p] = (images[index[b] * pixels + p] - 127.5) / 127.5;
  }
}
