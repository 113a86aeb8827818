// Adam against Keras' formula in f64 on the adapters the command line uses (Dawn on lavapipe
// and SwiftShader); tests/adam.gpu.test.ts holds Chromium's SwiftShader to the same test.

import { describe, expect, test } from 'vitest';
import { createNodeGpu, lavapipeIcd } from '../src/kernels/device-node';
import { adamVsKeras } from './helpers/adam-keras';
import { ADAM_MOVE } from './helpers/tolerances';

const adapters = [...(lavapipeIcd() !== null ? ['lavapipe' as const] : []), 'swiftshader' as const];

describe('Adam vs Keras in f64, t = 1..20 and 1000', () => {
  for (const prefer of adapters) {
    test(`Dawn on ${prefer}`, async () => {
      const gpu = await createNodeGpu({ prefer });
      try {
        const errors = await adamVsKeras(gpu, `${prefer} (${gpu.adapter.name})`);
        expect(Math.max(...errors.map((e) => e.relToScale))).toBeLessThanOrEqual(ADAM_MOVE.scale);
      } finally {
        gpu.destroy();
      }
    });
  }
});
