import { defineConfig } from 'vite';

// The Node command line as one file (dist-node/lsgan.mjs): WGSL is inlined through `?raw`,
// the pure-JS dependencies are bundled; Dawn (`webgpu`, a native addon) and resvg stay
// external and load from node_modules (or Dawn from DAWN_NODE, see device-node.ts).
export default defineConfig({
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist-node',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: { output: { entryFileNames: 'lsgan.mjs', codeSplitting: false } },
  },
  ssr: { noExternal: true, external: ['webgpu', '@resvg/resvg-js'] },
});
