// Counting what the GPU is asked for, without touching src/: device.createBuffer and
// queue.submit are wrapped on the device object (own properties shadowing the prototype's
// methods), and each buffer's destroy() is wrapped so the bytes still alive are known.

export interface GpuTracker {
  /** Buffers created, and their bytes, since install(). */
  created: number;
  createdBytes: number;
  /** Buffers created and not destroyed, and their bytes. */
  live: number;
  liveBytes: number;
  submits: number;
  uninstall(): void;
}

export function trackDevice(device: GPUDevice): GpuTracker {
  const queue = device.queue;
  const origCreate = device.createBuffer;
  const origSubmit = queue.submit;
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  const ownCreate = own(device, 'createBuffer'), ownSubmit = own(queue, 'submit');
  const restore = (o: object, k: string, wasOwn: boolean, v: unknown) => {
    if (wasOwn) Object.defineProperty(o, k, { value: v, configurable: true, writable: true });
    else delete (o as Record<string, unknown>)[k];
  };
  const t: GpuTracker = {
    created: 0,
    createdBytes: 0,
    live: 0,
    liveBytes: 0,
    submits: 0,
    uninstall() {
      restore(device, 'createBuffer', ownCreate, origCreate);
      restore(queue, 'submit', ownSubmit, origSubmit);
    },
  };
  Object.defineProperty(device, 'createBuffer', {
    configurable: true,
    writable: true,
    value: function createBuffer(this: GPUDevice, desc: GPUBufferDescriptor): GPUBuffer {
      const b = origCreate.call(this, desc);
      const size = b.size;
      t.created++;
      t.createdBytes += size;
      t.live++;
      t.liveBytes += size;
      const origDestroy = b.destroy;
      let destroyed = false;
      Object.defineProperty(b, 'destroy', {
        configurable: true,
        writable: true,
        value: function destroy(this: GPUBuffer): undefined {
          if (!destroyed) {
            destroyed = true;
            t.live--;
            t.liveBytes -= size;
          }
          return origDestroy.call(this);
        },
      });
      return b;
    },
  });
  Object.defineProperty(queue, 'submit', {
    configurable: true,
    writable: true,
    value: function submit(this: GPUQueue, buffers: Iterable<GPUCommandBuffer>): undefined {
      t.submits++;
      return origSubmit.call(this, buffers);
    },
  });
  return t;
}
