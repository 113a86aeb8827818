// WGSL sources are imported as text with Vite's `?raw` suffix, the same way in the
// browser build, in Vitest and in the Node bundle.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
