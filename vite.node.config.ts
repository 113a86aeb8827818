import { defineConfig } from 'vite';

// The Node command line (dist-node/lsgan.mjs), the profiler (profile.mjs) and the TF.js peer
// (peer.mjs), bundled so they run without node_modules: WGSL is inlined through `?raw` and the
// pure-JS dependencies are bundled. Dawn (`webgpu`, a native addon) stays external, loaded from
// node_modules or DAWN_NODE (device-node.ts); so does resvg, loaded on first use (cli/png.ts).
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist-node',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input: { lsgan: 'src/cli/main.ts', profile: 'bench/profile.ts', peer: 'bench/peer/run-tfjs.ts', 'peer-jaxjs': 'bench/peer/run-jaxjs.ts', bench: 'bench/main.ts', 'bench-browser': 'bench/browser/run.ts' },
      output: { entryFileNames: '[name].mjs' },
    },
  },
  ssr: { noExternal: true, external: ['webgpu', '@resvg/resvg-js'] },
});
