// Getting a WebGPU device in Node.js through Dawn (the `webgpu` npm package).
//
// Order of preference: whatever the Vulkan loader finds by itself (a real GPU, or a CPU
// driver the user configured with VK_ICD_FILENAMES); then Mesa's lavapipe (Mesa 25 or
// newer: Dawn rejects Mesa 22's) at /usr/share/vulkan/icd.d/lvp_icd*.json; then the
// SwiftShader Vulkan that Debian's chromium package ships. The Vulkan loader reads
// VK_ICD_FILENAMES when Dawn creates its instance, so each fallback is a fresh GPU object.
// DAWN_NODE=/path/to/dawn.node loads Dawn from a file instead of node_modules, for a
// single-file build carried to a machine without node_modules.

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createGpu, type Gpu, type GpuOptions } from './gpu';
import { GpuError } from './errors';

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

const LAVAPIPE_DIR = '/usr/share/vulkan/icd.d';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

async function loadDawn(): Promise<DawnModule> {
  const path = process.env.DAWN_NODE;
  if (path !== undefined && path !== '') {
    if (!existsSync(path)) throw new GpuError(`DAWN_NODE=${path}: no such file`);
    return createRequire(import.meta.url)(path) as DawnModule;
  }
  try {
    return (await import('webgpu')) as unknown as DawnModule;
  } catch (e) {
    throw new GpuError(`cannot load Dawn from the 'webgpu' package (${(e as Error).message}); run npm ci, or set DAWN_NODE=/path/to/dawn.node`);
  }
}

export function lavapipeIcd(): string | null {
  if (!existsSync(LAVAPIPE_DIR)) return null;
  const f = readdirSync(LAVAPIPE_DIR).find((n) => /^lvp_icd.*\.json$/.test(n));
  return f === undefined ? null : `${LAVAPIPE_DIR}/${f}`;
}

export interface NodeGpuOptions extends GpuOptions {
  /** 'auto' (default): hardware first, then lavapipe, then SwiftShader; or force one CPU driver. */
  prefer?: 'auto' | 'lavapipe' | 'swiftshader';
}

/** Ordered list of (label, VK_ICD_FILENAMES or undefined for "as the environment says"). */
function candidates(prefer: NonNullable<NodeGpuOptions['prefer']>): Array<[string, string | undefined]> {
  const lvp = lavapipeIcd();
  const list: Array<[string, string | undefined]> = [];
  if (prefer === 'auto') list.push(['system Vulkan', process.env.VK_ICD_FILENAMES]);
  if (prefer !== 'swiftshader' && lvp !== null) list.push(['lavapipe', lvp]);
  if (existsSync(SWIFTSHADER_ICD)) list.push(['SwiftShader', SWIFTSHADER_ICD]);
  return list;
}

let dawnGlobalsInstalled = false;

export async function createNodeGpu(opts: NodeGpuOptions = {}): Promise<Gpu> {
  const dawn = await loadDawn();
  if (!dawnGlobalsInstalled) {
    // GPUBufferUsage, GPUMapMode, ... exist as globals in a browser; Dawn exports them.
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    dawnGlobalsInstalled = true;
  }
  const tried: string[] = [];
  for (const [label, icd] of candidates(opts.prefer ?? 'auto')) {
    const saved = process.env.VK_ICD_FILENAMES;
    if (icd === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = icd;
    try {
      // Full-resolution timestamps for the profiler (Dawn rounds them by default).
      const gpu = await createGpu(dawn.create(['disable-dawn-features=timestamp_quantization']), `Dawn via ${label}`, opts);
      return gpu;
    } catch (e) {
      tried.push(`${label}${icd ? ` (${icd})` : ''}: ${(e as Error).message}`);
    } finally {
      if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = saved;
    }
  }
  throw new GpuError(
    `no WebGPU adapter found through Dawn. Tried:\n  ${tried.join('\n  ') || '(nothing)'}\n` +
      'On a machine without a GPU install a CPU Vulkan driver: Mesa 25 lavapipe ' +
      '(Debian: apt-get install -t bookworm-backports mesa-vulkan-drivers) or Chromium, which ships SwiftShader ' +
      '(apt-get install chromium). On a GPU machine install the Vulkan loader (libvulkan1) and the vendor driver.',
  );
}
