// A failure as the one line the command line prints. Our own errors (bad files, flags, no
// adapter) are sentences: their lines are joined. WebGPU's own text (validation errors, a lost
// device) can run to many lines: the first is kept and the rest is shown with --verbose, as is
// the stack of anything unexpected (a bug).

const KNOWN = ['DataError', 'CheckpointError', 'GpuError', 'ShapeError', 'FileError'];

export function errorLine(err: Error, verbose: boolean): string {
  const known = KNOWN.includes(err.name) || err.constructor === Error;
  const message = String(err.message ?? err);
  const lines = message.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  // Control characters (an ANSI escape from a driver's text) would act on the terminal.
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (!known) {
    const first = clean(`${err.name}: ${lines[0] ?? ''}`);
    return verbose ? `${first}\n${err.stack ?? ''}` : `${first} (an internal error: --verbose shows the stack trace)`;
  }
  const fromWebGpu = err.name === 'GpuError' && /^WebGPU (error|device lost)/.test(message);
  if (!fromWebGpu || lines.length <= 1) return clean(lines.join(' '));
  const rest = lines.length - 1;
  return verbose ? `${clean(lines[0])}\n${lines.slice(1).map(clean).join('\n')}` : `${clean(lines[0])} (${rest} more line${rest > 1 ? 's' : ''} of WebGPU's message with --verbose)`;
}
