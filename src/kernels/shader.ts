// Compiles a WGSL file and turns compiler errors into one exception that names the
// file, the line and the column of each message, with the offending source line.

import { GpuError } from './errors';

export async function compileShader(device: GPUDevice, file: string, code: string): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ label: file, code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const lines = code.split('\n');
    const text = errors
      .map((m) => `${file}:${m.lineNum}:${m.linePos}: error: ${m.message}\n    ${lines[m.lineNum - 1] ?? ''}`)
      .join('\n');
    throw new GpuError(`WGSL compile failed\n${text}`);
  }
  return module;
}
