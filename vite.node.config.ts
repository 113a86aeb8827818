import { defineConfig } from 'vite';

// The Node command line (dist-node/lsgan.mjs), the profiler (profile.mjs) and the TF.js peer
// (peer.mjs), bundled
// into dist-node/ with no need for node_modules but two native addons: WGSL is inlined through
// `?raw`, the pure-JS dependencies are bundled; Dawn (`webgpu`, a native addon) and resvg stay
// external and load from node_modules (or Dawn from DAWN_NODE, see device-node.ts).
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist-node',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input: { lsgan: 'src/cli/main.ts', profile: 'bench/profile.ts', peer: 'bench/peer/run-tfjs.ts' },
      output: { entryFileNames: '[name].mjs' },
    },
  },
  ssr: { noExternal: true, external: ['webgpu', '@resvg/resvg-js'] },
});
