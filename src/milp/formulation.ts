/**
 * The mixed-integer formulation of a rectifier network over a box (Serra, Tjandraatmadja & Ramalingam 2018, §4),
 * with per-unit big-M constants from bound tightening. For every hidden unit i (layer order):
 *
 *   W_i a^{l−1} + b_i = h_i − h̄_i,   0 ≤ h_i ≤ M⁺_i z_i,   0 ≤ h̄_i ≤ M⁻_i (1 − z_i),   z_i ∈ {0, 1},
 *
 * with a^0 = x ∈ box and a^l = h^l − α h̄^l (α = 0 for ReLU, the slope for leaky ReLU: same breakpoints). The
 * objective is max f with, for every unstable unit (§4, "f ≤ h_i + (1 − z_i) M", and its mirror for inactive units
 * so that the point is strictly inside on both sides of every hyperplane):
 *
 *   κ_i f ≤ h_i + (1 − z_i) M^f_i,     κ_i f ≤ h̄_i + z_i M^f_i.
 *
 * κ_i scales f to a distance: for layer-1 units κ_i = ‖W_i‖ (exact); deeper units' normals depend on the pattern,
 * so inside the search κ_i = 1 (the paper's unnormalised f) and at a leaf, where the pattern is fixed, the counter
 * sets κ_i = ‖a_i‖ (the unit's normal on the region), which makes the leaf optimum exactly the engine's interior
 * radius. Stable units (from the bounds) keep their z fixed and get no f rows: they add no hyperplane.
 */
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, unitsOf } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import type { Highs, HighsModel } from "../lp/highs.ts";
import { requireLayerwise } from "../model/lower.ts";

/**
 * Cap on f. Decisions only compare f with 0 (pruning) and with the interior threshold (≤ 1e-6), so any cap far
 * above those works; 1 keeps the big-M of the f rows (κ_i · cap) small. Reported radii are at most this.
 */
export const F_CAP = 1;

/** One hidden unit of the formulation. */
export interface MilpUnit {
  /** Hidden layer (0-based) and index inside it. */
  layer: number;
  index: number;
  /** Position in the activation pattern. */
  bit: number;
  /** −1 stably inactive, 1 stably active, 0 unstable. */
  stable: -1 | 0 | 1;
  hCol: number;
  hbarCol: number;
  zCol: number;
  /** Rows κ f ≤ h + (1 − z) M^f and κ f ≤ h̄ + z M^f (−1 for stable units). */
  fActiveRow: number;
  fInactiveRow: number;
  /** κ used inside the search (‖W_i‖ for layer 1, 1 deeper). */
  kappa0: number;
  mPlus: number;
  mMinus: number;
}

/** The formulation as plain data: columns, rows and the unit map. */
export interface MilpFormulation {
  n0: number;
  fCol: number;
  units: MilpUnit[];
  /** Indices into `units` of the unstable units, in layer order (the binary variables that are branched on). */
  unstable: number[];
  numCols: number;
  colLower: number[];
  colUpper: number[];
  rows: { lower: number; upper: number; indices: number[]; values: number[] }[];
}

/**
 * Build the formulation. Stability follows the engine's rule: upper bound ≤ 0 is inactive, else lower bound ≥ 0
 * is active. Throws {@link ModelError} for maxout layers.
 */
export function buildFormulation(net: Network, box: Box, bounds: PreActivationBounds): MilpFormulation {
  requireLayerwise(net, "the MILP formulation");
  const n0 = net.inputDim;
  const colLower: number[] = Array.from(box.lo), colUpper: number[] = Array.from(box.hi);
  const rows: MilpFormulation["rows"] = [];
  const units: MilpUnit[] = [];
  const unstable: number[] = [];
  const fCol = n0;
  colLower.push(-Infinity);
  colUpper.push(F_CAP);
  // Previous layer's activation as a combination of columns: a_k = Σ coef · col.
  let prev: { cols: number[]; coefs: number[] }[] = Array.from({ length: n0 }, (_, k) => ({ cols: [k], coefs: [1] }));
  let bit = 0;
  hiddenLayers(net).forEach((layer, l) => {
    const act = layer.activation;
    if (act.kind === "maxout") throw new ModelError("milp: maxout not supported");
    if (act.kind === "identity") throw new ModelError("milp: identity hidden layers are not supported");
    const alpha = act.kind === "leaky-relu" ? act.alpha : 0;
    const next: typeof prev = [];
    for (let r = 0; r < unitsOf(layer); r++) {
      const L = bounds.lower[l][r], U = bounds.upper[l][r];
      const stable: -1 | 0 | 1 = U <= 0 ? -1 : L >= 0 ? 1 : 0;
      const mPlus = Math.max(U, 0), mMinus = Math.max(-L, 0);
      const hCol = colLower.length, hbarCol = hCol + 1, zCol = hCol + 2;
      colLower.push(0, 0, stable === 1 ? 1 : 0);
      colUpper.push(mPlus, mMinus, stable === -1 ? 0 : 1);
      // W_i a + b_i = h − h̄  →  Σ W a − h + h̄ = −b.
      const acc = new Map<number, number>();
      for (let k = 0; k < layer.inDim; k++) {
        const w = layer.weights[r * layer.inDim + k];
        if (w === 0) continue;
        const p = prev[k];
        for (let j = 0; j < p.cols.length; j++) acc.set(p.cols[j], (acc.get(p.cols[j]) ?? 0) + w * p.coefs[j]);
      }
      const idx = [...acc.keys(), hCol, hbarCol], val = [...acc.values(), -1, 1];
      rows.push({ lower: -layer.bias[r], upper: -layer.bias[r], indices: idx, values: val });
      rows.push({ lower: -Infinity, upper: 0, indices: [hCol, zCol], values: [1, -mPlus] }); // h ≤ M⁺ z
      rows.push({ lower: -Infinity, upper: mMinus, indices: [hbarCol, zCol], values: [1, mMinus] }); // h̄ ≤ M⁻(1 − z)
      let kappa0 = 1;
      if (l === 0) {
        let s = 0;
        for (let k = 0; k < layer.inDim; k++) s += layer.weights[r * layer.inDim + k] ** 2;
        kappa0 = Math.sqrt(s);
      }
      let fActiveRow = -1, fInactiveRow = -1;
      if (stable === 0) {
        const mF = kappa0 * F_CAP;
        fActiveRow = rows.length;
        rows.push({ lower: -Infinity, upper: mF, indices: [fCol, hCol, zCol], values: [kappa0, -1, mF] });
        fInactiveRow = rows.length;
        rows.push({ lower: -Infinity, upper: 0, indices: [fCol, hbarCol, zCol], values: [kappa0, -1, -mF] });
        unstable.push(units.length);
      }
      units.push({ layer: l, index: r, bit, stable, hCol, hbarCol, zCol, fActiveRow, fInactiveRow, kappa0, mPlus, mMinus });
      bit++;
      next.push(alpha === 0 ? { cols: [hCol], coefs: [1] } : { cols: [hCol, hbarCol], coefs: [1, -alpha] });
    }
    prev = next;
  });
  return { n0, fCol, units, unstable, numCols: colLower.length, colLower, colUpper, rows };
}

/**
 * Load the formulation into an empty persistent model: objective max f; with `integer`, the unstable units' z are
 * integer (a MILP), otherwise they are continuous in [0, 1] (the LP relaxation that a branch fixes bit by bit).
 */
export function installFormulation(highs: Highs, model: HighsModel, form: MilpFormulation, integer: boolean): void {
  const inf = highs.infinity;
  const clip = (v: number) => (v === Infinity ? inf : v === -Infinity ? -inf : v);
  model.addVars(form.colLower.map(clip), form.colUpper.map(clip));
  for (const row of form.rows) model.addRow(clip(row.lower), clip(row.upper), { indices: row.indices, values: row.values });
  model.changeColCost(form.fCol, 1);
  model.changeObjectiveSense(highs.constants.objectiveSense.maximize);
  if (integer) {
    for (const u of form.unstable) model.changeColIntegrality(form.units[u].zCol, highs.constants.variableType.integer);
  }
}
