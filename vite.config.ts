import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './tests/chromium.ts';

// Test projects: `cpu` runs the plain-TypeScript references in Node (finite differences,
// padding math); `node` the command line, the harness and the demo end to end; `gpu` runs every
// WebGPU test inside headless Chromium (the system's Debian build, never a downloaded one), so
// the kernels are proven on the same WebGPU implementation the demo uses, and `lavapipe` runs
// the same WebGPU tests in Node on Mesa's lavapipe through Dawn.
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
        // The same kernel tests in Node, on lavapipe through Dawn (tests/helpers/gpu.ts picks
        // the device): the CLI's adapter, and the one the cpu kernel family is tuned for.
        extends: true,
        test: {
          name: 'lavapipe',
          include: ['tests/**/*.gpu.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
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
