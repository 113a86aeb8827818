// Reading older result files: schema 1 (one kernel family, which was the 'gpu' one, and one peer,
// TF.js) becomes schema 2's shape, so --compare works across both. Nothing is invented: the
// sections schema 1 did not have are empty, and its ratios carry no paired ratio (NaN).

import { SCHEMA, type BenchResult, type Correctness, type EndToEndRun, type KernelSection, type PeerSection, type Spread } from './types';

export const SCHEMA_1 = 'webgpu-lsgan-bench/1';

interface V1 {
  schema: typeof SCHEMA_1;
  correctness: Correctness;
  kernels: Omit<KernelSection, 'family' | 'kernelsLine'> | null;
  endToEnd: { imagesDefinition: string; runs: Array<Omit<EndToEndRun, 'family' | 'perRoundMs'>> } | null;
  peer: { ran: boolean; reason: string | null; what: string; tfjsVersion: string | null; adapterName: string | null; runs: Array<{ batch: number; warmup: number; iterations: number; ms: Spread; lastLosses: EndToEndRun['lastLosses'] }> };
  ratios: Array<{ batch: number; oursMs: number; peerMs: number; oursOverPeer: number; speedup: number }>;
}

const V1_LINE = 'kernels: gpu-class (schema 1: before the kernel families)';

/** A parsed result file of either schema, as schema 2; throws for anything else. */
export function upgradeResult(raw: unknown, name: string): BenchResult {
  const schema = (raw as { schema?: unknown } | null)?.schema;
  if (schema === SCHEMA) return raw as BenchResult;
  if (schema !== SCHEMA_1) throw new Error(`${name}: schema ${JSON.stringify(schema)}, expected ${SCHEMA} or ${SCHEMA_1} (a bench result file)`);
  const { peer, correctness, kernels, endToEnd, ratios, ...rest } = raw as V1 & Record<string, unknown>;
  const tfjs: PeerSection = {
    id: 'tfjs', library: 'TensorFlow.js', version: peer.tfjsVersion, ran: peer.ran, reason: peer.reason, what: peer.what, adapterName: peer.adapterName,
    runs: peer.runs.map((r) => ({ ...r, rounds: 1, perRoundMs: [r.ms.median], setupMs: NaN, warmupMs: [] })),
  };
  const jaxjs: PeerSection = { id: 'jaxjs', library: 'jax-js', version: null, ran: false, reason: `not in schema 1 files (${name})`, what: '', adapterName: null, runs: [] };
  return {
    ...(rest as unknown as Pick<BenchResult, 'date' | 'command' | 'options' | 'environment' | 'ceilings' | 'seconds'>),
    schema: SCHEMA,
    families: { endToEnd: endToEnd ? ['gpu'] : [], kernels: kernels ? ['gpu'] : [] },
    correctness: [{ ...correctness, family: 'gpu', kernelsLine: V1_LINE }],
    kernels: kernels ? [{ ...kernels, family: 'gpu', kernelsLine: V1_LINE }] : [],
    endToEnd: endToEnd ? { imagesDefinition: endToEnd.imagesDefinition, runs: endToEnd.runs.map((r) => ({ ...r, family: 'gpu', perRoundMs: [] })) } : null,
    peers: [tfjs, jaxjs],
    interleaving: null,
    ratios: ratios.map((r) => ({ ...r, family: 'gpu', peer: 'tfjs', pairedOursOverPeer: NaN })),
  };
}
