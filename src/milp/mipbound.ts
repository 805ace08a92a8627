/**
 * MIPBound (Serra & Ramalingam 2020, "Empirical Bounds on Linear Regions of Deep Rectifier Networks", arXiv
 * 1810.03370): a probabilistic lower bound on the number of regions by the MBound method of model counting (Gomes,
 * Sabharwal & Selman, AAAI 2006) applied to the binaries z of the counting MILP (./formulation.ts, f > 0 required so
 * that its solutions are exactly the regions).
 *
 * For s = 1, 2, …: run t trials, each adding s random parity constraints Σ_{i∈S_j} z_i = 2k_j + b_j (every unstable
 * z_i in S_j with probability 1/2, b_j a fair bit, k_j ≥ 0 integer). If all t trials are feasible, then
 * #regions ≥ 2^{s−α} with probability ≥ 1 − 2^{−αt} (MBound). s grows until a trial fails; the bound reported is the
 * one of the largest s at which all trials succeeded.
 *
 * Each parity MILP is solved by branch and bound over z on the counting relaxation (./relaxation.ts), the same
 * search as countRegionsMilp, stopping at the first region: the parity rows are reduced over GF(2) so that each has
 * a distinct last variable in the branching order, which the earlier bits then force (Σ_{i∈S} z_i ≡ b mod 2). This
 * solves the same MILP as HiGHS's MIP solver with the k_j columns, about 100× faster here (docs/milp.md).
 */
import type { Network } from "../model/network.ts";
import { activationPatternAt } from "../model/evaluate.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { tightenedBounds } from "../count/session.ts";
import type { CountOptions } from "../count/types.ts";
import { interiorThreshold } from "../count/session.ts";
import { mulberry32 } from "../util/random.ts";
import type { Highs } from "../lp/highs.ts";
import { loadHighs } from "../lp/highs.ts";
import { MilpRelaxation, childPrefix, witnessOf } from "./relaxation.ts";
import { PRUNE_F } from "./count.ts";
import { requireLayerwise } from "../model/lower.ts";

/**
 * Default trials per s: 7, with slack α = 1, gives confidence 1 − 2^{−7} ≈ 99.2% (the 99% level MBound reports;
 * Serra & Ramalingam's own t and α were not reachable from here). Measured factors to the exact count: docs/milp.md.
 */
export const MIPBOUND_DEFAULT_TRIALS = 7;
/** Default slack α ≥ 1 of the bound 2^{s−α}. */
export const MIPBOUND_DEFAULT_ALPHA = 1;

/** Options of {@link mipBound}. */
export interface MipBoundOptions extends Pick<CountOptions, "box" | "threshold"> {
  /** Seed of the random parity constraints (mulberry32). */
  seed: number;
  /** Trials per s (t), default {@link MIPBOUND_DEFAULT_TRIALS}. */
  trials?: number;
  /** Slack α, default {@link MIPBOUND_DEFAULT_ALPHA}. */
  alpha?: number;
  /** Largest s tried (default: the number of unstable units, beyond which no more regions can be told apart). */
  maxParity?: number;
  bounds?: PreActivationBounds;
  highs?: Highs;
  /** Checked between trials: on true, stop and report the bound certified so far. */
  shouldStop?: () => boolean;
}

/** The certified bound. */
export interface MipBoundResult {
  /** 2^{s−α} for the largest s at which all t trials were feasible (1 when that is below α: a region exists). */
  lowerBound: bigint;
  /** That s (0 when even one parity constraint failed, or when there is no region: then lowerBound is 0). */
  s: number;
  alpha: number;
  trials: number;
  /** Probability that lowerBound ≤ #regions: 1 − 2^{−αt} (1 when the bound is the trivial 1 or 0). */
  confidence: number;
  /** LPs solved. */
  lps: number;
  seconds: number;
  /** Distinct regions met by the trials (a certain lower bound, reported for comparison). */
  distinctRegionsSeen: number;
}

const nextMacrotask = () => new Promise<void>((r) => setTimeout(r, 0));

/** Parity rows reduced over GF(2) so that their last variables differ; null when inconsistent (0 = 1). */
function reduceParity(rows: Uint8Array[], rhs: number[], n: number): { last: Int32Array; rows: Uint8Array[]; rhs: number[] } | null {
  const byLast = new Map<number, number>();
  const keptRows: Uint8Array[] = [], keptRhs: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = Uint8Array.from(rows[r]);
    let b = rhs[r];
    for (;;) {
      let last = -1;
      for (let i = n - 1; i >= 0; i--) if (row[i]) { last = i; break; }
      if (last < 0) {
        if (b === 1) return null;
        break;
      }
      const k = byLast.get(last);
      if (k === undefined) {
        byLast.set(last, keptRows.length);
        keptRows.push(row);
        keptRhs.push(b);
        break;
      }
      for (let i = 0; i <= last; i++) row[i] ^= keptRows[k][i];
      b ^= keptRhs[k];
    }
  }
  const last = new Int32Array(n).fill(-1);
  for (const [v, k] of byLast) last[v] = k;
  return { last, rows: keptRows, rhs: keptRhs };
}

/**
 * Is there a region whose unstable bits satisfy the parity rows? Depth-first branch and bound (as in
 * countRegionsMilp), a bit that is the last of a parity row being forced by the bits before it.
 */
async function feasibleWithParity(
  relax: MilpRelaxation,
  net: Network,
  threshold: number,
  parity: { last: Int32Array; rows: Uint8Array[]; rhs: number[] },
  seen: Set<string>,
): Promise<boolean> {
  const U = relax.depth;
  const unitBits = relax.form.unstable.map((i) => relax.form.units[i].bit);
  const stack: { prefix: Uint8Array; witness: Float64Array | null }[] = [{ prefix: new Uint8Array(0), witness: null }];
  let lastYield = performance.now();
  while (stack.length > 0) {
    if (performance.now() - lastYield > 50) {
      await nextMacrotask();
      lastYield = performance.now();
    }
    const entry = stack.pop()!;
    const d = entry.prefix.length;
    if (d === U) {
      const leaf = relax.leafTest(entry.prefix, threshold, entry.witness);
      if (leaf) {
        seen.add(Array.from(entry.prefix).join(""));
        return true;
      }
      continue;
    }
    const witness = witnessOf(relax, entry.prefix, entry.witness, PRUNE_F);
    if (!witness) continue;
    const side = activationPatternAt(net, witness)[unitBits[d]];
    const child = (bit: number) => childPrefix(entry.prefix, bit);
    const k = parity.last[d];
    if (k >= 0) {
      // Forced: z_d = b ⊕ (parity of the row's earlier bits).
      let v = parity.rhs[k];
      const row = parity.rows[k];
      for (let i = 0; i < d; i++) if (row[i]) v ^= entry.prefix[i];
      stack.push({ prefix: child(v), witness: v === side ? witness : null });
      continue;
    }
    stack.push({ prefix: child(1 - side), witness: null });
    stack.push({ prefix: child(side), witness });
  }
  return false;
}

/**
 * MIPBound lower bound on the number of regions of a ReLU / leaky-ReLU network inside `opts.box` (maxout: throws
 * "milp: maxout not supported"). Deterministic for a given seed.
 */
export async function mipBound(net: Network, opts: MipBoundOptions): Promise<MipBoundResult> {
  requireLayerwise(net, "the MIP bound");
  const start = performance.now();
  const highs = opts.highs ?? (await loadHighs());
  const threshold = interiorThreshold(opts.threshold);
  const trials = opts.trials ?? MIPBOUND_DEFAULT_TRIALS;
  const alpha = opts.alpha ?? MIPBOUND_DEFAULT_ALPHA;
  if (!(Number.isInteger(trials) && trials >= 1)) throw new RangeError("mipbound: trials must be a positive integer");
  if (!(alpha >= 1)) throw new RangeError("mipbound: alpha must be at least 1");
  const bounds = opts.bounds ?? tightenedBounds(net, opts.box, highs);
  const relax = new MilpRelaxation(highs, net, opts.box, bounds);
  const rand = mulberry32(opts.seed);
  const U = relax.depth;
  const maxParity = opts.maxParity ?? U;
  const seen = new Set<string>();
  try {
    // s = 0: is there any region at all?
    const anyRegion = await feasibleWithParity(relax, net, threshold, { last: new Int32Array(U).fill(-1), rows: [], rhs: [] }, seen);
    let best = 0;
    if (anyRegion) {
      outer: for (let s = 1; s <= maxParity; s++) {
        for (let t = 0; t < trials; t++) {
          if (opts.shouldStop?.()) break outer;
          const rows: Uint8Array[] = [], rhs: number[] = [];
          for (let j = 0; j < s; j++) {
            rows.push(Uint8Array.from({ length: U }, () => (rand() < 0.5 ? 1 : 0)));
            rhs.push(rand() < 0.5 ? 1 : 0);
          }
          const parity = reduceParity(rows, rhs, U);
          if (!parity || !(await feasibleWithParity(relax, net, threshold, parity, seen))) break outer;
        }
        best = s;
      }
    }
    const certified = anyRegion && best >= alpha;
    const exponent = best - alpha;
    // 2^{s−α}, rounded down when α is not an integer (the bound is on an integer count).
    const power = Number.isInteger(exponent) ? 1n << BigInt(exponent) : BigInt(Math.floor(2 ** exponent));
    return {
      lowerBound: !anyRegion ? 0n : certified ? power : 1n,
      s: best,
      alpha,
      trials,
      confidence: certified ? 1 - 2 ** (-alpha * trials) : 1,
      lps: relax.lps,
      seconds: (performance.now() - start) / 1000,
      distinctRegionsSeen: seen.size,
    };
  } finally {
    relax.dispose();
  }
}
