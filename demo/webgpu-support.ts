// Why WebGPU is missing, in words a visitor can act on: the browser, a flag, or the adapter.
// Checked on the page's thread before the worker starts; the worker reports its own failures.

export async function webgpuProblem(): Promise<string | null> {
  if (!window.isSecureContext) {
    return `This page is served over plain http from ${location.host}. Browsers offer WebGPU only in secure contexts: open it over https, or from localhost.`;
  }
  if (!('gpu' in navigator) || navigator.gpu === undefined) {
    return 'This browser does not offer WebGPU (navigator.gpu is missing): it is too old, WebGPU is turned off, or (on Linux) it needs chrome://flags/#enable-unsafe-webgpu.';
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return `The browser has WebGPU but requesting an adapter failed: ${(e as Error).message}`;
  }
  if (adapter === null) {
    return 'The browser has WebGPU but found no adapter: the GPU or its driver may be blocklisted, or hardware acceleration is off. chrome://gpu shows the reason in Chrome.';
  }
  return null;
}
