import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './tests/chromium.ts';

// Two test projects: `cpu` runs the plain-TypeScript references in Node (finite
// differences, padding math); `gpu` runs every WebGPU test inside headless Chromium
// (the system's Debian build, never a downloaded one), so the kernels are proven on
// the same WebGPU implementation the demo uses.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'cpu',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/**/*.gpu.test.ts', 'tests/**/*.node.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'node',
          include: ['tests/**/*.node.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['tests/**/*.gpu.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          // SwiftShader runs on the CPU: one page at a time keeps the two CI cores
          // from fighting over it.
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath(), args: chromiumArgs() },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
