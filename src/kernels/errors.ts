/** A WebGPU failure: no adapter, a compile error, a validation error, a lost device. */
export class GpuError extends Error {
  override name = 'GpuError';
}

/** A launcher was called with shapes or arguments it does not support. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
