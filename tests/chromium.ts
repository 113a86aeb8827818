// How the tests (and the benchmark) start the system Chromium with WebGPU.
// Facts checked on Debian 12 (see ../shared/WEBGPU-LINUX.md): Debian's chromium package
// brings SwiftShader, a CPU Vulkan; these flags give an adapter "google / swiftshader";
// the last five keep Chromium from reaching for the (closed) network.
// LSGAN_CHROMIUM overrides the binary; LSGAN_CHROMIUM_GPU=1 drops the SwiftShader flags
// so a machine with a real GPU uses it.

export function chromiumPath(): string {
  return process.env.LSGAN_CHROMIUM ?? '/usr/bin/chromium';
}

export function chromiumArgs(): string[] {
  const base = [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  if (process.env.LSGAN_CHROMIUM_GPU === '1') return base;
  return [...base, '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];
}
