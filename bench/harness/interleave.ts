// Interleaving: at one batch, every contestant (ours with each kernel family, each peer) is
// built and warmed up in turn, then the rounds alternate between them, so that load drift on a
// shared machine falls on all of them alike and the ratios come from the same minutes. The
// order turns by one each round (round r starts with contestant r mod n), so no contestant
// always runs right after the same other one.

export interface Contestant {
  readonly name: string;
  /** One timed round; resolves with its ms per iteration. */
  round(): Promise<number>;
  /** Every round's ms per iteration so far. */
  readonly rounds: readonly number[];
  destroy(): void;
}

export interface Entrant {
  name: string;
  /** Builds and warms up the contestant. */
  create(): Promise<Contestant>;
  /** Called with the contestant after the last round, before it is destroyed. */
  done(c: Contestant): void;
  /** Present: an error in create() or round() drops this entrant (the rest go on); absent: it propagates. */
  fail?(e: unknown): void;
}

export const ROTATION = 'round r runs the contestants in their listed order starting from the (r mod n)-th: ours per family, then the peers';

/** Runs `rounds` interleaved rounds; returns the names in the order they ran, per round. */
export async function interleave(entrants: readonly Entrant[], rounds: number, log: (line: string) => void): Promise<string[][]> {
  const live: Array<{ e: Entrant; c: Contestant; failed: boolean }> = [];
  const drop = (e: Entrant, err: unknown) => {
    if (e.fail === undefined) throw err;
    log(`  ${e.name}: dropped (${err instanceof Error ? err.message : String(err)})`);
    e.fail(err);
  };
  try {
    for (const e of entrants) {
      try {
        live.push({ e, c: await e.create(), failed: false });
      } catch (err) {
        drop(e, err);
      }
    }
    const order: string[][] = [];
    for (let r = 0; r < rounds; r++) {
      const turn = live.map((_, i) => live[(i + r) % live.length]);
      const ran: string[] = [];
      for (const x of turn) {
        if (x.failed) continue;
        try {
          await x.c.round();
          ran.push(x.c.name);
        } catch (err) {
          x.failed = true;
          drop(x.e, err);
        }
      }
      order.push(ran);
    }
    for (const x of live) if (!x.failed) x.e.done(x.c);
    return order;
  } finally {
    for (const x of live) {
      try {
        x.c.destroy();
      } catch (err) {
        log(`  ${x.c.name}: destroy failed (${err instanceof Error ? err.message : String(err)})`);
      }
    }
  }
}

/** Median over the rounds both ran of ours' round / the peer's round in the same round (NaN if none). */
export function pairedRatio(ours: readonly number[], peer: readonly number[]): number {
  const r: number[] = [];
  for (let i = 0; i < Math.min(ours.length, peer.length); i++) r.push(ours[i] / peer[i]);
  if (r.length === 0) return NaN;
  r.sort((a, b) => a - b);
  const h = r.length >> 1;
  return r.length % 2 === 1 ? r[h] : (r[h - 1] + r[h]) / 2;
}
