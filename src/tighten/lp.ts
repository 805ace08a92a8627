/**
 * LP bound tightening: bounds on every hidden pre-activation over a box from the linear-programming relaxation of
 * the network, layer by layer (the "LP" step of bound tightening in MILP verification and counting, e.g. Serra et
 * al. 2018 §4 take per-unit big-M constants from such bounds). One persistent HiGHS model grows a layer at a time:
 *
 *   x ∈ box;  g^l = W^l a^{l−1} + b^l (a^0 = x);  a^l = relaxation of σ(g^l) under the bounds of g^l found so far.
 *
 * Relaxations: a stable ReLU / leaky-ReLU unit is exact (a = g or a = αg); an unstable one (L < 0 < U) gets the
 * triangle relaxation (the two pieces on one side, the chord from (L, σ(L)) to (U, σ(U)) on the other); a maxout
 * unit gets a ≥ every piece and a ≤ max_j U_j (sound, looser than the convex hull). Layer 1 is exact by interval
 * arithmetic over a box, so its units need no LP; every deeper unit not already stable gets two LPs (min and max).
 */
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, outputWidthOf } from "../model/network.ts";
import type { Highs, HighsModel } from "../lp/highs.ts";
import { createQuietModel, runModel } from "../lp/highs.ts";
import { activateInterval, affineInterval, intervalBounds, type PreActivationBounds } from "./interval.ts";
import { requireLayerwise } from "../model/lower.ts";

/**
 * Each LP optimum is widened by this much (times 1 + |value|) before it is used as a bound: HiGHS accepts rows
 * violated by up to its feasibility tolerance (1e-10), and such errors add up across a layer's weights. The
 * widening keeps the bounds sound; it is far below any margin that decides stability in practice.
 */
export const LP_BOUND_MARGIN = 1e-8;

/** Options of {@link lpBounds}. */
export interface LpBoundsOptions {
  /** Incremented by the number of LPs solved. */
  stats?: { lps: number };
  /**
   * Per hidden layer, 1 for ReLU-like units already known to take both signs on the domain (e.g. seen at sample
   * points). For callers that need stability only: such a unit cannot become stable, so in the last hidden layer
   * (whose bounds feed no later relaxation) its LPs are skipped and it keeps its interval bounds. Earlier layers are
   * always tightened, since their bounds shape the relaxation, and so the stability, of the layers after them.
   */
  knownUnstable?: Uint8Array[];
}

/** Coefficients and bounds of one row, a ≥ / ≤ / = combination of model columns. */
function addRow(model: HighsModel, lower: number, upper: number, indices: number[], values: number[]): void {
  model.addRow(lower, upper, { indices, values });
}

/**
 * Sound bounds on every hidden pre-activation over `box`, at least as tight as {@link intervalBounds}: interval
 * bounds first, then for every unit of layers ≥ 2 that is not already stable, min and max of its pre-activation
 * over the LP relaxation built from the (tightened) bounds of the layers before it.
 */
export function lpBounds(net: Network, box: Box, highs: Highs, opts: LpBoundsOptions = {}): PreActivationBounds {
  requireLayerwise(net, "LP tightening");
  const layers = hiddenLayers(net);
  const interval = intervalBounds(net, box);
  const lower: Float64Array[] = [Float64Array.from(interval.lower[0] ?? [])];
  const upper: Float64Array[] = [Float64Array.from(interval.upper[0] ?? [])];
  if (layers.length <= 1) return layers.length === 0 ? { lower: [], upper: [] } : { lower, upper };

  // Nothing to tighten (every unit of layers ≥ 2 is stable by intervals, or known unstable in the last layer):
  // return the interval bounds without building a HiGHS model at all.
  const needsLp = layers.some((layer, l) => {
    if (l === 0) return false;
    if (layer.activation.kind === "maxout") return true;
    for (let r = 0; r < layer.outDim; r++) {
      if (interval.upper[l][r] <= 0 || interval.lower[l][r] >= 0) continue;
      if (l === layers.length - 1 && opts.knownUnstable?.[l]?.[r]) continue;
      return true;
    }
    return false;
  });
  if (!needsLp) return interval;
  const inf = highs.infinity;
  const model = createQuietModel(highs, { presolve: "off" });
  try {
    const n0 = net.inputDim;
    model.addVars(Array.from(box.lo), Array.from(box.hi));
    let nCols = n0;
    // Columns holding a^{l−1} (the previous layer's activation outputs).
    let prevCols: number[] = Array.from({ length: n0 }, (_, i) => i);
    // Interval bounds of a^{l−1}, used to seed the next layer's column bounds.
    let prevLo: Float64Array = Float64Array.from(box.lo), prevHi: Float64Array = Float64Array.from(box.hi);
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      // g^l columns with equality rows g − W a = b.
      const gCols: number[] = [];
      let gLo: Float64Array, gHi: Float64Array;
      if (l === 0) {
        gLo = lower[0];
        gHi = upper[0];
      } else {
        // Interval step from the tightened a^{l−1} bounds, intersected with plain interval propagation.
        const step = affineInterval(layer.weights, layer.bias, layer.inDim, layer.outDim, prevLo, prevHi);
        gLo = step.lo.map((v, r) => Math.max(v, interval.lower[l][r]));
        gHi = step.hi.map((v, r) => Math.min(v, interval.upper[l][r]));
      }
      model.addVars(Array.from(gLo), Array.from(gHi));
      for (let r = 0; r < layer.outDim; r++) gCols.push(nCols + r);
      nCols += layer.outDim;
      for (let r = 0; r < layer.outDim; r++) {
        const idx = [gCols[r]], val = [1];
        for (let k = 0; k < layer.inDim; k++) {
          const w = layer.weights[r * layer.inDim + k];
          if (w !== 0) {
            idx.push(prevCols[k]);
            val.push(-w);
          }
        }
        addRow(model, layer.bias[r], layer.bias[r], idx, val);
      }
      if (l > 0) {
        // Tighten: min and max of each pre-activation that interval arithmetic leaves unstable.
        const isMaxout = layer.activation.kind === "maxout";
        for (let r = 0; r < layer.outDim; r++) {
          if (!isMaxout && (gHi[r] <= 0 || gLo[r] >= 0)) continue;
          if (!isMaxout && l === layers.length - 1 && opts.knownUnstable?.[l]?.[r]) continue;
          const c = gCols[r];
          for (const sign of [1, -1]) {
            model.changeColCost(c, sign);
            const outcome = runModel(highs, model);
            if (opts.stats) opts.stats.lps++;
            if (outcome !== "optimal") continue; // keep the interval bound (sound) if HiGHS cannot certify one
            const v = model.getSolution().colValue[c];
            const widen = LP_BOUND_MARGIN * (1 + Math.abs(v));
            if (sign === 1) gLo[r] = Math.max(gLo[r], v - widen);
            else gHi[r] = Math.min(gHi[r], v + widen);
          }
          model.changeColCost(c, 0);
          model.changeColBounds(c, gLo[r], gHi[r]);
        }
        lower.push(gLo);
        upper.push(gHi);
      }
      if (l === layers.length - 1) break;
      // Activation columns a^l with their relaxation rows.
      const act = activateInterval(layer.activation, gLo, gHi);
      const width = outputWidthOf(layer);
      model.addVars(Array.from(act.lo), Array.from(act.hi));
      const aCols: number[] = [];
      for (let u = 0; u < width; u++) aCols.push(nCols + u);
      nCols += width;
      addActivationRows(model, layer.activation, gCols, aCols, gLo, gHi, inf);
      prevCols = aCols;
      prevLo = act.lo;
      prevHi = act.hi;
    }
  } finally {
    model.dispose();
  }
  return { lower, upper };
}

/** Rows relating a = σ(g) (relaxed) for one layer; see the module comment. */
function addActivationRows(
  model: HighsModel,
  activation: Network["layers"][number]["activation"],
  gCols: number[],
  aCols: number[],
  gLo: Float64Array,
  gHi: Float64Array,
  inf: number,
): void {
  if (activation.kind === "maxout") {
    const k = activation.rank;
    for (let u = 0; u < aCols.length; u++) {
      // a ≥ g_j for every piece; the upper bound max_j U_j is the column's own bound.
      for (let j = 0; j < k; j++) addRow(model, 0, inf, [aCols[u], gCols[u * k + j]], [1, -1]);
    }
    return;
  }
  if (activation.kind === "identity") {
    for (let u = 0; u < aCols.length; u++) addRow(model, 0, 0, [aCols[u], gCols[u]], [1, -1]);
    return;
  }
  const alpha = activation.kind === "leaky-relu" ? activation.alpha : 0;
  for (let u = 0; u < aCols.length; u++) {
    const L = gLo[u], U = gHi[u], a = aCols[u], g = gCols[u];
    if (U <= 0) {
      addRow(model, 0, 0, [a, g], [1, -alpha]); // stably inactive: a = αg
    } else if (L >= 0) {
      addRow(model, 0, 0, [a, g], [1, -1]); // stably active: a = g
    } else {
      // Triangle relaxation: chord through (L, αL) and (U, U); the pieces a = g and a = αg on the other side.
      const s = (U - alpha * L) / (U - L);
      const chordRhs = alpha * L - s * L;
      if (alpha <= 1) {
        // σ convex: a ≥ g, a ≥ αg, a ≤ chord.
        addRow(model, 0, inf, [a, g], [1, -1]);
        addRow(model, 0, inf, [a, g], [1, -alpha]);
        addRow(model, -inf, chordRhs, [a, g], [1, -s]);
      } else {
        // σ concave (α > 1): a ≤ g, a ≤ αg, a ≥ chord.
        addRow(model, -inf, 0, [a, g], [1, -1]);
        addRow(model, -inf, 0, [a, g], [1, -alpha]);
        addRow(model, chordRhs, inf, [a, g], [1, -s]);
      }
    }
  }
}

