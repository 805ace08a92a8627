/**
 * Counting linear regions by mixed-integer programming (Serra, Tjandraatmadja & Ramalingam 2018, §4): every binary
 * assignment z of the formulation in ./formulation.ts whose optimum f is positive is a region. HiGHS has no
 * solution pool, so the assignments are enumerated one of two ways (measured in docs/milp.md):
 *
 * - "branch" (default): depth-first branching over the unstable units' z in layer order on one persistent LP model
 *   (the MILP's relaxation); a node whose relaxation has max f ≤ 0 or is infeasible holds no region and is pruned.
 *   The relaxation's maximiser x is evaluated through the network (a primal heuristic): the child on x's side
 *   inherits x and needs no LP, only the other child is solved. Leaves are decided exactly (relaxation.ts).
 * - "nogood": the MILP itself, solved by HiGHS's branch and cut, with f ≥ ε; each solution is decided at its leaf
 *   and cut off with a no-good cut, Σ_{z_i=0} z_i + Σ_{z_i=1} (1 − z_i) ≥ 1, until the MILP is infeasible.
 */
import type { Network } from "../model/network.ts";
import { activationPatternAt } from "../model/evaluate.ts";
import { ModelError } from "../model/validate.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { tightenedBounds } from "../count/session.ts";
import type { CountOptions, CountResult } from "../count/types.ts";
import { interiorThreshold } from "../count/session.ts";
import { stableUnitReport } from "../count/engine.ts";
import type { Highs } from "../lp/highs.ts";
import { createQuietModel, loadHighs, runModel } from "../lp/highs.ts";
import { installFormulation } from "./formulation.ts";
import { MilpRelaxation, childPrefix, witnessOf } from "./relaxation.ts";
import { requireLayerwise } from "../model/lower.ts";

/** Relaxations with max f at or below this hold no point strictly inside every decided hyperplane: prune. */
export const PRUNE_F = 0;
/**
 * Lower bound ε on f in the "nogood" MILP (and in MIPBound). f is unnormalised for units beyond layer 1, so a region
 * of radius r has f ≥ r · min_i ‖a_i‖; with r > 1e-8 this misses nothing while every normal on the region is
 * longer than 0.1, and it stays 10× above HiGHS's feasibility tolerance so that ε is not rounded away.
 */
export const MILP_F_EPS = 1e-9;
/** Yield to the event loop (and check `shouldStop`, report progress) at least this often. */
const YIELD_MS = 50;
/** Call `onCheckpoint` at least this often (and at the end). */
const CHECKPOINT_MS = 2000;

/** Resumable state of a MILP count (JSON-serialisable). */
export interface MilpCheckpoint {
  kind: "tessera-milp-checkpoint";
  version: 1;
  enumeration: "branch" | "nogood";
  /** Identifies the problem: unit count, unstable units, threshold, box, a hash of the weights. */
  fingerprint: string;
  regions: number;
  lps: number;
  seconds: number;
  /** "branch": pending subtrees, each a prefix of unstable bits ("0110") and an optional witness point. */
  pending: { prefix: string; witness: number[] | null }[];
  /** "nogood": every assignment already cut off (bits of the unstable units). */
  cuts: string[];
}

/** Options of {@link countRegionsMilp}. */
export interface MilpCountOptions extends CountOptions {
  /** Pre-activation bounds for the per-unit big-M (default: {@link tightenedBounds} over the box, LP tightening). */
  bounds?: PreActivationBounds;
  resume?: MilpCheckpoint;
  onCheckpoint?: (c: MilpCheckpoint) => void;
  /** Checked between solves; on true the count stops after a last checkpoint and returns complete: false. */
  shouldStop?: () => boolean;
  /** Enumeration strategy, default "branch". */
  enumeration?: "branch" | "nogood";
  /** A loaded HiGHS runtime (default: {@link loadHighs}). */
  highs?: Highs;
}

const bitsToString = (b: ArrayLike<number>) => Array.from(b, (v) => (v ? "1" : "0")).join("");
const stringToBits = (s: string) => Uint8Array.from(s, (c) => (c === "1" ? 1 : 0));
const nextMacrotask = () => new Promise<void>((r) => setTimeout(r, 0));

function fingerprintOf(relax: MilpRelaxation, threshold: number): string {
  const { box } = relax;
  const boxKey = `${Math.min(...box.lo)},${Math.max(...box.hi)},${box.lo.length}`;
  // FNV-1a over the weights', biases' and every box bound's float64 bits: resuming against other weights or another
  // box (even one with the same smallest and largest bound) must fail loudly.
  let hash = 0x811c9dc5;
  for (const arr of [...relax.net.layers.flatMap((layer) => [layer.weights, layer.bias]), box.lo, box.hi]) {
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  }
  const weights = hash.toString(16).padStart(8, "0");
  return `units=${relax.form.units.length};unstable=${relax.depth};threshold=${threshold};box=${boxKey};weights=${weights}`;
}

/**
 * Count the full-dimensional linear regions of a ReLU / leaky-ReLU network inside `opts.box` with the MILP
 * formulation of Serra et al. 2018. The count uses the engine's interior criterion (a point of the box farther
 * than `threshold` from every unstable unit's hyperplane), so it equals the engine's count. Throws
 * {@link ModelError} "milp: maxout not supported" for maxout networks.
 */
export async function countRegionsMilp(net: Network, opts: MilpCountOptions): Promise<CountResult> {
  requireLayerwise(net, "the MILP count");
  const start = performance.now();
  const highs = opts.highs ?? (await loadHighs());
  const threshold = interiorThreshold(opts.threshold);
  const bounds = opts.bounds ?? tightenedBounds(net, opts.box, highs);
  const stableUnits = stableUnitReport(net, bounds);
  const relax = new MilpRelaxation(highs, net, opts.box, bounds);
  const enumeration = opts.enumeration ?? "branch";
  const fingerprint = fingerprintOf(relax, threshold);
  const resume = opts.resume;
  if (resume) {
    if (resume.kind !== "tessera-milp-checkpoint" || resume.version !== 1) throw new ModelError("milp: not a MILP checkpoint");
    if (resume.fingerprint !== fingerprint || resume.enumeration !== enumeration) {
      throw new ModelError("milp: the checkpoint belongs to another network, domain, threshold or enumeration");
    }
  }
  let regions = resume?.regions ?? 0;
  const lps0 = resume?.lps ?? 0;
  const seconds0 = resume?.seconds ?? 0;
  let extraSolves = 0;
  const lps = () => lps0 + relax.lps + extraSolves;
  const seconds = () => seconds0 + (performance.now() - start) / 1000;
  let lastYield = performance.now(), lastCheckpoint = performance.now();

  const emit = (bits: ArrayLike<number>, point: Float64Array, radius: number) => {
    regions++;
    opts.onRegion?.({ pattern: relax.patternOf(bits), point, radius });
  };

  const checkpointOf = (pending: MilpCheckpoint["pending"], cuts: string[]): MilpCheckpoint => ({
    kind: "tessera-milp-checkpoint",
    version: 1,
    enumeration,
    fingerprint,
    regions,
    lps: lps(),
    seconds: seconds(),
    pending,
    cuts,
  });

  /**
   * Every YIELD_MS: let the event loop run (signals), report progress, and write a checkpoint every CHECKPOINT_MS
   * or when asked to stop. True when the count must stop (after its last checkpoint).
   */
  const pause = async (checkpoint: () => MilpCheckpoint, pending?: number): Promise<boolean> => {
    if (performance.now() - lastYield <= YIELD_MS) return false;
    await nextMacrotask();
    lastYield = performance.now();
    opts.onProgress?.({ regions, lps: lps(), ...(pending === undefined ? {} : { pending }) });
    if (opts.shouldStop?.()) {
      opts.onCheckpoint?.(checkpoint());
      return true;
    }
    if (lastYield - lastCheckpoint > CHECKPOINT_MS) {
      opts.onCheckpoint?.(checkpoint());
      lastCheckpoint = lastYield;
    }
    return false;
  };

  const finish = (complete: boolean): CountResult => ({
    method: "milp",
    regions,
    stableUnits,
    lps: lps(),
    seconds: seconds(),
    complete,
    threshold,
  });

  const enumerateNogood = async (): Promise<CountResult> => {
    const mip = createQuietModel(highs);
    try {
      installFormulation(highs, mip, relax.form, true);
      const { form } = relax;
      // The paper's form, max f; the enumeration ends when the optimum is ≤ ε. (The pure feasibility form, f ≥ ε
      // with a zero objective, was reported infeasible by HiGHS 1.15 under tight tolerances on random-3-6-6-6-s4.)
      const zCols = form.unstable.map((i) => form.units[i].zCol);
      const cuts: string[] = resume ? [...resume.cuts] : [];
      const addCut = (bits: Uint8Array) => {
        // Σ_{z_i=0} z_i − Σ_{z_i=1} z_i ≥ 1 − |{i : z_i = 1}|
        let ones = 0;
        const values = Array.from(bits, (b) => (b ? (ones++, -1) : 1));
        mip.addRow(1 - ones, highs.infinity, { indices: zCols, values });
      };
      for (const c of cuts) addCut(stringToBits(c));
      const checkpoint = () => checkpointOf([], [...cuts]);
      for (;;) {
        if (await pause(checkpoint)) return finish(false);
        if (zCols.length === 0 && cuts.length > 0) break; // the single assignment was decided already
        const outcome = runModel(highs, mip);
        extraSolves++;
        if (outcome === "infeasible") break;
        if (outcome !== "optimal") throw new Error("milp: HiGHS did not solve the MILP to optimality");
        const col = mip.getSolution().colValue;
        if (!(col[form.fCol] > MILP_F_EPS)) break;
        const bits = Uint8Array.from(zCols, (c) => (col[c] > 0.5 ? 1 : 0));
        const leaf = relax.leafTest(bits, threshold, Float64Array.from(col.subarray(0, form.n0)));
        if (leaf) emit(bits, leaf.point, leaf.radius);
        cuts.push(bitsToString(bits));
        if (zCols.length > 0) addCut(bits);
      }
      opts.onCheckpoint?.(checkpoint());
      return finish(true);
    } finally {
      mip.dispose();
    }
  };

  try {
    if (enumeration === "branch") {
      const stack: { prefix: Uint8Array; witness: Float64Array | null }[] = resume
        ? resume.pending.map((p) => ({ prefix: stringToBits(p.prefix), witness: p.witness ? Float64Array.from(p.witness) : null }))
        : [{ prefix: new Uint8Array(0), witness: null }];
      const checkpoint = () =>
        checkpointOf(stack.map((e) => ({ prefix: bitsToString(e.prefix), witness: e.witness ? Array.from(e.witness) : null })), []);
      const U = relax.depth;
      const unitBits = relax.form.unstable.map((i) => relax.form.units[i].bit);
      while (stack.length > 0) {
        if (await pause(checkpoint, stack.length)) return finish(false);
        const entry = stack.pop()!;
        const d = entry.prefix.length;
        if (d === U) {
          const leaf = relax.leafTest(entry.prefix, threshold, entry.witness);
          if (leaf) emit(entry.prefix, leaf.point, leaf.radius);
          continue;
        }
        const witness = witnessOf(relax, entry.prefix, entry.witness, PRUNE_F);
        if (!witness) continue;
        // Branch on unstable unit d: the child on the witness's side keeps the witness, the other needs an LP.
        const side = activationPatternAt(net, witness)[unitBits[d]];
        const child = (bit: number) => childPrefix(entry.prefix, bit);
        stack.push({ prefix: child(1 - side), witness: null });
        stack.push({ prefix: child(side), witness });
      }
      opts.onCheckpoint?.(checkpoint());
      return finish(true);
    }
    return await enumerateNogood();
  } finally {
    relax.dispose();
  }
}
