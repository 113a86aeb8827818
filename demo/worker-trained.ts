// The generator trained by this project, shipped with the site as
// pretrained/generator.safetensors (vite.demo.config.ts): fetched and checked as the command
// line checks a --model file, and its metadata read for the page's label (the step, the batch,
// a score when the file records one). A build without the file still works: the page says so.

import type { Gpu } from '../src/kernels/gpu';
import type { Sequential } from '../src/nn/layers';
import { generatorMeta, loadGenerator } from '../src/lsgan/checkpoint';
import { buildGenerator } from '../src/lsgan/models';
import { bestRow, decodeScoreHistory, SCORES_KEY } from '../src/lsgan/run-scores';
import { TRAINED_ASSET, type TrainedInfo } from './protocol';

export type Fetched = { g: Sequential; info: TrainedInfo } | { missing: string };

export async function fetchTrained(gpu: Gpu, url: string): Promise<Fetched> {
  const file = TRAINED_ASSET;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    return { missing: `no trained generator shipped with this build (${file}: ${(e as Error).message})` };
  }
  // A missing file is a 404, or (servers that answer every path with the page) an HTML page.
  if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) {
    await res.body?.cancel();
    return { missing: `no trained generator shipped with this build (${file}: ${res.ok ? 'the server sent a web page' : `HTTP ${res.status}`})` };
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  // A damaged file is an error of the build, said as the command line would say it.
  const { st, latent, step } = generatorMeta(file, bytes);
  const g = buildGenerator(gpu, latent);
  try {
    loadGenerator(gpu, file, st, g);
    gpu.check();
  } catch (e) {
    g.destroy();
    throw e;
  }
  return { g, info: { file, step, batch: configBatch(st.metadata.config), score: scoreText(st.metadata, step) } };
}

function configBatch(config: string | undefined): number | null {
  if (config === undefined) return null;
  const b = (JSON.parse(config) as { batch?: unknown }).batch; // generatorMeta checked the JSON
  return typeof b === 'number' ? b : null;
}

/**
 * The score the file records, in words. `lsgan train` writes none into model files (its scores
 * live in run.safetensors and scores.csv), so a shipped file may carry one under `score` (a
 * number: the Fréchet distance; an object with `fd` and `n`; or text) or a run's score history
 * under `scores` (the row at this step, else the best row).
 */
export function scoreText(meta: Record<string, string>, step: number): string | null {
  const raw = meta.score ?? meta.fd ?? meta.frechet_distance;
  if (raw !== undefined) {
    let v: unknown = raw;
    try {
      v = JSON.parse(raw);
    } catch {
      // Plain text: shown as it is.
    }
    if (typeof v === 'number' && Number.isFinite(v)) return `Fréchet distance ${v.toFixed(2)}`;
    if (typeof v === 'object' && v !== null && typeof (v as { fd?: unknown }).fd === 'number') {
      const { fd, n } = v as { fd: number; n?: unknown };
      return `Fréchet distance ${fd.toFixed(2)}${typeof n === 'number' ? ` over ${n.toLocaleString('en-US')} digits` : ''}`;
    }
    return raw.length > 120 ? `${raw.slice(0, 117)}...` : raw;
  }
  if (meta[SCORES_KEY] !== undefined) {
    try {
      const h = decodeScoreHistory(TRAINED_ASSET, meta[SCORES_KEY], step);
      const row = h.rows.find((r) => r.step === step) ?? bestRow(h.rows);
      if (row !== null && row !== undefined) return `Fréchet distance ${row.fd.toFixed(2)} over ${h.n.toLocaleString('en-US')} digits${row.step === step ? '' : ` (at iteration ${row.step.toLocaleString('en-US')})`}`;
    } catch {
      return null; // a malformed history is not worth failing the pictures for
    }
  }
  return null;
}
