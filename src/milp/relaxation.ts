/**
 * The LP relaxation of the counting MILP on one persistent HiGHS model, with binaries fixed bit by bit, and the
 * exact leaf test: once every binary is fixed the pattern's pre-activations are affine in x, and with κ_i = ‖a_i‖
 * the LP optimum f is the largest distance from a point of the box to every hyperplane of the unstable units — the
 * engine's interior-radius criterion (src/count/types.ts).
 */
import type { Box, Network } from "../model/network.ts";
import { regionForms } from "../model/evaluate.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import type { Highs, HighsModel } from "../lp/highs.ts";
import { createQuietModel, runModel } from "../lp/highs.ts";
import { buildFormulation, installFormulation, type MilpFormulation } from "./formulation.ts";

/**
 * A unit whose normal on a region is shorter than this is constant there: it adds no hyperplane (same constant as
 * the engine's ZERO_ROW_NORM, restated to keep this module independent of the engine).
 */
export const MILP_ZERO_ROW_NORM = 1e-12;

/** A full-dimensional region confirmed by {@link MilpRelaxation.leafTest}. */
export interface LeafRegion {
  point: Float64Array;
  radius: number;
}

export class MilpRelaxation {
  readonly form: MilpFormulation;
  readonly model: HighsModel;
  /** Current fixing of each unstable binary: −1 free, 0 or 1. */
  private readonly fixed: Int8Array;
  /** LPs solved by this model. */
  lps = 0;

  constructor(
    readonly highs: Highs,
    readonly net: Network,
    readonly box: Box,
    bounds: PreActivationBounds,
  ) {
    this.form = buildFormulation(net, box, bounds);
    this.model = createQuietModel(highs);
    installFormulation(highs, this.model, this.form, false);
    this.fixed = new Int8Array(this.form.unstable.length).fill(-1);
  }

  /** Number of unstable units (binaries). */
  get depth(): number {
    return this.form.unstable.length;
  }

  /** Fix the first `prefix.length` unstable binaries to `prefix` and free the rest. */
  fixPrefix(prefix: ArrayLike<number>): void {
    const { form, model } = this;
    for (let j = 0; j < this.fixed.length; j++) {
      const want = j < prefix.length ? prefix[j] : -1;
      if (this.fixed[j] === want) continue;
      this.fixed[j] = want;
      const col = form.units[form.unstable[j]].zCol;
      if (want === -1) model.changeColBounds(col, 0, 1);
      else model.changeColBounds(col, want, want);
    }
  }

  /**
   * Solve the relaxation under the current fixing: max f and a maximiser x, or null when infeasible. Throws when
   * HiGHS reaches no verdict: pruning on a failed solve could lose regions silently.
   */
  solve(): { f: number; x: Float64Array } | null {
    let outcome = runModel(this.highs, this.model);
    this.lps++;
    if (outcome === "other") {
      this.model.clearSolver();
      outcome = runModel(this.highs, this.model);
      this.lps++;
    }
    if (outcome === "infeasible") return null;
    if (outcome !== "optimal") throw new Error("milp: HiGHS reached no verdict on a relaxation");
    const sol = this.model.getSolution();
    return { f: sol.colValue[this.form.fCol], x: Float64Array.from(sol.colValue.subarray(0, this.form.n0)) };
  }

  /** Full activation pattern (every hidden unit, layer order) for a complete fixing of the unstable bits. */
  patternOf(bits: ArrayLike<number>): Uint8Array {
    const pattern = new Uint8Array(this.form.units.length);
    for (const u of this.form.units) pattern[u.bit] = u.stable === 1 ? 1 : 0;
    for (let j = 0; j < this.form.unstable.length; j++) pattern[this.form.units[this.form.unstable[j]].bit] = bits[j];
    return pattern;
  }

  /**
   * Decide whether the complete fixing `bits` is a region: some point of the box farther than `threshold` from
   * every unstable unit's hyperplane. A witness point is tried first (its margin is computed exactly from the
   * region's affine forms); otherwise one LP with κ_i = ‖a_i‖ decides.
   */
  leafTest(bits: ArrayLike<number>, threshold: number, witness: Float64Array | null): LeafRegion | null {
    const { form, model, box } = this;
    const pattern = this.patternOf(bits);
    const forms = regionForms(this.net, pattern).preActivations;
    const n0 = form.n0;
    const norms = new Float64Array(form.unstable.length);
    for (let j = 0; j < form.unstable.length; j++) {
      const u = form.units[form.unstable[j]];
      const J = forms[u.layer].J;
      let s = 0;
      for (let k = 0; k < n0; k++) s += J[u.index * n0 + k] ** 2;
      norms[j] = Math.sqrt(s);
    }
    if (witness) {
      const x = witness.map((v, k) => Math.min(box.hi[k], Math.max(box.lo[k], v)));
      let margin = 1;
      for (let j = 0; j < form.unstable.length && margin > threshold; j++) {
        const u = form.units[form.unstable[j]];
        const F = forms[u.layer];
        let g = F.c[u.index];
        for (let k = 0; k < n0; k++) g += F.J[u.index * n0 + k] * x[k];
        const signed = bits[j] ? g : -g;
        if (norms[j] < MILP_ZERO_ROW_NORM) {
          if (!(signed > 0)) margin = -Infinity;
        } else margin = Math.min(margin, signed / norms[j]);
      }
      if (margin > threshold) return { point: x, radius: margin };
    }
    this.fixPrefix(bits);
    this.setLeafKappas(bits, norms);
    const sol = this.solve();
    this.restoreKappas();
    if (!sol || !(sol.f > threshold)) return null;
    return { point: sol.x, radius: sol.f };
  }

  private setLeafKappas(bits: ArrayLike<number>, norms: Float64Array): void {
    const { form, model } = this;
    for (let j = 0; j < form.unstable.length; j++) {
      const u = form.units[form.unstable[j]];
      const k = norms[j] < MILP_ZERO_ROW_NORM ? 0 : norms[j];
      model.changeCoefficient(u.fActiveRow, form.fCol, bits[j] ? k : 0);
      model.changeCoefficient(u.fInactiveRow, form.fCol, bits[j] ? 0 : k);
    }
  }

  private restoreKappas(): void {
    const { form, model } = this;
    for (const i of form.unstable) {
      const u = form.units[i];
      model.changeCoefficient(u.fActiveRow, form.fCol, u.kappa0);
      model.changeCoefficient(u.fInactiveRow, form.fCol, u.kappa0);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * An interior witness for the subtree of `prefix`: the given one, or the maximiser of the relaxation with the
 * prefix fixed; null when the relaxation proves the subtree empty (max f ≤ prune).
 */
export function witnessOf(relax: MilpRelaxation, prefix: Uint8Array, witness: Float64Array | null, prune: number): Float64Array | null {
  if (witness) return witness;
  relax.fixPrefix(prefix);
  const sol = relax.solve();
  return sol && sol.f > prune ? sol.x : null;
}

/** `prefix` extended by one more unstable unit's bit. */
export function childPrefix(prefix: Uint8Array, bit: number): Uint8Array {
  const p = new Uint8Array(prefix.length + 1);
  p.set(prefix);
  p[prefix.length] = bit;
  return p;
}
