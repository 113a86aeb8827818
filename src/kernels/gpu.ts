// The WebGPU runtime: one device, its adapter's name, a pipeline cache, and errors that are
// never silent. It knows nothing about where the GPU object came from (browser or Dawn in
// Node: see device-node.ts), so the same code runs in both.

import { GpuError, shapeString } from './errors';
import { compileShader } from './shader';

export { GpuError, shapeString };

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A short human name: "SwiftShader driver 5.0.0 (CPU)", "NVIDIA H200 ... (GPU)". */
  name: string;
  /** True for CPU implementations (SwiftShader, lavapipe): slow, tests keep shapes small. */
  isCpu: boolean;
}

export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const i = adapter.info;
  const all = [i.vendor, i.architecture, i.device, i.description].join(' ');
  const isCpu = /swiftshader|llvmpipe|lavapipe|software|cpu/i.test(all) || (i as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  // Browsers often leave description empty; Dawn fills it with the driver's own name.
  const base = i.description || [i.vendor, i.architecture, i.device].filter((s) => s).join(' ') || 'unknown adapter';
  const name = `${base} (${isCpu ? 'CPU' : 'GPU'})`;
  return { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, name, isCpu };
}

/** A dense f32 tensor living in one GPU storage buffer, row-major (NHWC for images). */
export class Tensor {
  readonly size: number;
  constructor(
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly label: string,
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
  }
  get bytes(): number {
    return this.size * 4;
  }
}

type ParamType = 'u32' | 'i32' | 'f32';

/**
 * Which kernel family the launchers prepare. 'gpu': workgroup-shared tiles and barriers, the
 * right shape for a GPU. 'cpu': barrier-free kernels for CPU implementations of WebGPU
 * (lavapipe, SwiftShader), where a barrier costs ~100 ns and a workgroup-memory read ~50 ns
 * (shared/LAVAPIPE.md): operands packed into rgba32float textures (loaded with vector gathers),
 * one 8-invocation workgroup per register tile, rows shared with subgroup shuffles.
 */
export type KernelFamily = 'gpu' | 'cpu';
export type KernelChoice = KernelFamily | 'auto';

/** The one place the family is chosen: 'auto' picks 'cpu' on a CPU adapter, by adapter info. */
export function resolveKernelFamily(choice: KernelChoice, adapter: AdapterDescription): KernelFamily {
  if (choice === 'gpu' || choice === 'cpu') return choice;
  return adapter.isCpu ? 'cpu' : 'gpu';
}

export interface GpuOptions {
  /** 'auto' (default): see resolveKernelFamily. */
  kernels?: KernelChoice;
  /** Request the 'subgroups' feature where the adapter has it (default true); false tests the fallback. */
  subgroups?: boolean;
}

export class Gpu {
  readonly adapter: AdapterDescription;
  readonly hasTimestamps: boolean;
  /** The family the launchers prepare from now on (models built later use it); see KernelFamily. */
  kernels: KernelFamily;
  /**
   * The subgroup size when the device has 'subgroups' and the adapter reports one fixed size
   * (lavapipe: 8), else null. The cpu family shares tile rows by subgroup shuffles only when
   * this is 8 (its workgroup is then exactly one subgroup); otherwise every lane loads them.
   */
  readonly subgroupSize: number | null;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly errors: string[] = [];
  private lostReason: string | null = null;

  constructor(
    readonly device: GPUDevice,
    adapter: GPUAdapter,
    /** The GPU object the adapter came from. Dawn in Node tears its instance down when this
     *  object is garbage-collected, crashing the live device ("std::system_error"), so the
     *  Gpu keeps it alive for as long as the device. */
    readonly instance: GPU,
    kernels: KernelChoice = 'auto',
  ) {
    this.adapter = describeAdapter(adapter);
    this.hasTimestamps = device.features.has('timestamp-query');
    this.kernels = resolveKernelFamily(kernels, this.adapter);
    const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
    const min = info.subgroupMinSize, max = info.subgroupMaxSize;
    this.subgroupSize = device.features.has('subgroups') && typeof min === 'number' && min === max ? min : null;
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.errors.push(e.message);
    });
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.lostReason = `${info.reason}: ${info.message}`;
      else this.lostReason = 'device destroyed';
    });
  }

  /** Switches the family for kernels prepared from now on (the benchmark compares both on one device). */
  useKernels(choice: KernelChoice): void {
    this.kernels = resolveKernelFamily(choice, this.adapter);
  }

  /** How kernels are chosen, for the start-up line: "kernels: cpu-class (subgroups 8)". */
  get kernelsLine(): string {
    if (this.kernels === 'gpu') return 'kernels: gpu-class (workgroup tiles)';
    return `kernels: cpu-class (${this.subgroupSize === 8 ? 'subgroups 8' : `no subgroup shuffles${this.subgroupSize === null ? '' : `: subgroup size ${this.subgroupSize}`}, rows loaded by every lane`})`;
  }

  /** Throws if the device was lost or any uncaptured WebGPU error was reported since the last check. */
  check(): void {
    if (this.lostReason !== null) throw new GpuError(`WebGPU device lost on ${this.adapter.name} (${this.lostReason})`);
    if (this.errors.length > 0) {
      const all = this.errors.splice(0);
      throw new GpuError(`WebGPU error on ${this.adapter.name}: ${all.join('\n')}`);
    }
  }

  /** A zero-filled storage tensor; `data` uploads initial contents. */
  tensor(shape: readonly number[], label: string, data?: ArrayLike<number>): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(size) || size < 0) throw new GpuError(`tensor ${label}: bad shape ${shapeString(shape)}`);
    const buffer = this.device.createBuffer({
      label,
      size: Math.max(16, size * 4), // at least one vec4: some kernels also read a tensor as array<vec4f>
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const t = new Tensor(buffer, shape, label);
    if (data !== undefined) this.write(t, data);
    return t;
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    if (data.length !== t.size) throw new GpuError(`write ${t.label}: ${data.length} values for shape ${shapeString(t.shape)}`);
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    this.device.queue.writeBuffer(t.buffer, 0, f.buffer, f.byteOffset, f.byteLength);
  }

  /** Reads a tensor back (a blocking round trip: tests, checkpoints, pictures; never the hot path). */
  async read(t: Tensor): Promise<Float32Array> {
    return new Float32Array(await this.readBytes(t));
  }

  /** Reads a tensor holding u32 values (indices, counters) back. */
  async readU32(t: Tensor): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes(t));
  }

  async readBytes(t: Tensor): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ label: `read ${t.label}`, size: Math.max(4, t.bytes), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const enc = this.device.createCommandEncoder({ label: `read ${t.label}` });
    enc.copyBufferToBuffer(t.buffer, 0, staging, 0, Math.max(4, t.bytes));
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, t.bytes);
    staging.unmap();
    staging.destroy();
    this.check();
    return out;
  }

  /** A small uniform buffer holding a kernel's parameters, written once when the kernel is prepared. */
  uniform(label: string, fields: ReadonlyArray<readonly [ParamType, number]>): GPUBuffer {
    const bytes = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
    const data = new ArrayBuffer(bytes);
    const view = new DataView(data);
    fields.forEach(([type, value], i) => {
      if (type === 'f32') view.setFloat32(i * 4, value, true);
      else if (type === 'i32') view.setInt32(i * 4, value, true);
      else {
        if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new GpuError(`uniform ${label}: field ${i} = ${value} is not a u32`);
        view.setUint32(i * 4, value, true);
      }
    });
    const buffer = this.device.createBuffer({ label, size: bytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /** Compiled once per (file, entry point, override constants); compile errors name file and line. */
  pipeline(file: string, code: string, entryPoint: string, constants: Record<string, number> = {}): Promise<GPUComputePipeline> {
    const key = `${file}#${entryPoint}#${JSON.stringify(constants, Object.keys(constants).sort())}`;
    let p = this.pipelines.get(key);
    if (p === undefined) {
      p = this.createPipeline(file, code, entryPoint, constants);
      this.pipelines.set(key, p);
      p.catch(() => this.pipelines.delete(key));
    }
    return p;
  }

  private async createPipeline(file: string, code: string, entryPoint: string, constants: Record<string, number>): Promise<GPUComputePipeline> {
    let mod = this.modules.get(file);
    if (mod === undefined) {
      mod = compileShader(this.device, file, code);
      this.modules.set(file, mod);
    }
    const module = await mod;
    try {
      return await this.device.createComputePipelineAsync({
        label: `${file}:${entryPoint}`,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
    } catch (e) {
      throw new GpuError(`${file}: cannot create pipeline for entry point '${entryPoint}' with ${JSON.stringify(constants)} on ${this.adapter.name}: ${(e as Error).message}`);
    }
  }

  destroy(): void {
    this.device.destroy();
  }
}

/** Requests the best adapter from a GPU object (navigator.gpu or Dawn's) and a device with its full limits. */
export async function createGpu(gpu: GPU, where: string, opts: GpuOptions = {}): Promise<Gpu> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) throw new GpuError(`no WebGPU adapter found (${where})`);
  const features: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) features.push('timestamp-query');
  if (opts.subgroups !== false && adapter.features.has('subgroups')) features.push('subgroups');
  // Every kernel binds at most 8 storage buffers, WebGPU's baseline, which is left at its
  // default so the tests prove the kernels run on any adapter.
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    label: 'lsgan',
    requiredFeatures: features,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      // The cpu family packs GEMM operands into 2-D textures; taller ones fold into columns.
      maxTextureDimension2D: l.maxTextureDimension2D,
    },
  });
  return new Gpu(device, adapter, gpu, opts.kernels ?? 'auto');
}
