/**
 * The affine forms of the hidden units on a cell of the search, and what decides whether a unit adds a hyperplane
 * there: stability over the domain (from pre-activation bounds) and the zero-normal threshold of a form. Isomorphic,
 * no state: the search owns the buffers.
 */
import type { Network } from "../model/network.ts";
import { hiddenLayers, outputWidthOf, unitsOf } from "../model/network.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { reluStability, stableUnitsFromBounds } from "../tighten/interval.ts";
import { ScaleError } from "../model/normalise.ts";
import type { StableUnitReport } from "./types.ts";

/**
 * A unit whose affine form on the cell has a normal shorter than this many times the form's magnitude bound M (the
 * largest norm its normal can reach over all patterns: ‖W⁰_r‖ in the first layer, Σ_k |W_rk| M_k deeper) is treated
 * as constant there (its sign is the sign of the offset). Relative, so that it judges round-off and not units: a form
 * row is a sum of at most a few thousand products bounded by M in all, whose round-off stays below 2^−53 · terms · M
 * ≈ 1e-13 · M, while a normal of a first-layer row is zero only when the row is. (The engine also brings every unit
 * to unit scale first, see normaliseUnits.)
 */
export const ZERO_ROW_NORM = 1e-12;

/** Per hidden pre-activation: +1 stably active / dominant, −1 stably inactive, 0 unstable (ReLU / leaky ReLU). */
export function stabilityFlags(net: Network, bounds: PreActivationBounds): Int8Array[] {
  return hiddenLayers(net).map((layer, l) => {
    const flags = new Int8Array(layer.outDim);
    if (layer.activation.kind === "relu" || layer.activation.kind === "leaky-relu") {
      for (let r = 0; r < layer.outDim; r++) flags[r] = reluStability(bounds.lower[l][r], bounds.upper[l][r]);
    }
    return flags;
  });
}

/** Stable units from pre-activation bounds, per layer and in total, as counters report them. */
export function stableUnitReport(net: Network, bounds: PreActivationBounds): StableUnitReport {
  const { active, inactive } = stableUnitsFromBounds(net, bounds);
  const total = [...active, ...inactive].reduce((s, v) => s + v, 0);
  return { active, inactive, total };
}

/**
 * Forms of hidden layer l (l ≥ 1) on the cell of `pattern` (the layers' affine maps composed through its decided units):
 * A^l = W^l D A^{l−1}, c^l = W^l D c^{l−1} + b^l (D selects / scales per the activation).
 */
export function computeForms(
  layers: Network["layers"],
  formA: Float64Array[],
  formC: Float64Array[],
  pattern: Uint8Array,
  l: number,
  n0: number,
): void {
  // Fold identity layers: find the last layer before l with units, composing through identity layers.
  const prev = layers[l - 1];
  const layer = layers[l];
  const Ap = formA[l - 1], Cp = formC[l - 1];
  const A = formA[l], C = formC[l];
  const a = prev.activation;
  const width = outputWidthOf(prev);
  // Offset of layer l − 1's units in the pattern.
  let off = 0;
  for (let q = 0; q < l - 1; q++) off += unitsOf(layers[q]);
  A.fill(0);
  for (let r = 0; r < layer.outDim; r++) {
    let c = layer.bias[r];
    const ab = r * n0;
    for (let kk = 0; kk < width; kk++) {
      let w = layer.weights[r * width + kk];
      if (w === 0) continue;
      let src = kk;
      if (a.kind === "relu") {
        if (!pattern[off + kk]) continue;
      } else if (a.kind === "leaky-relu") {
        if (!pattern[off + kk]) w *= a.alpha;
      } else if (a.kind === "maxout") {
        src = kk * a.rank + pattern[off + kk];
      }
      if (w === 0) continue;
      c += w * Cp[src];
      const sb = src * n0;
      for (let j = 0; j < n0; j++) A[ab + j] += w * Ap[sb + j];
    }
    C[r] = c;
  }
}

/**
 * ZERO_ROW_NORM × the magnitude bound M of every hidden pre-activation's forms over all patterns: M = ‖W⁰_r‖ in the
 * first layer, Σ_k |W_rk| · M′_k deeper (M′_k: M of the unit k feeds through, × max(1, |α|) for leaky ReLU, the max
 * over its pieces for maxout). With `withOutput`, the output layer's rows come last (for forms of f itself, e.g. a
 * class margin f_i − f_c, whose threshold is then thr_i + thr_c). Throws ScaleError when a bound overflows (forms
 * beyond the double range).
 */
export function zeroRowThresholds(net: Network, withOutput = false): Float64Array[] {
  const layers = withOutput ? net.layers : hiddenLayers(net), out: Float64Array[] = [];
  let feed: Float64Array | undefined; // M′ of the current layer's inputs
  for (const layer of layers) {
    const width = layer.inDim, W = layer.weights, M = new Float64Array(layer.outDim);
    for (let r = 0; r < layer.outDim; r++) {
      let s = 0;
      if (!feed) {
        for (let k = 0; k < width; k++) s += W[r * width + k] ** 2;
        s = Math.sqrt(s);
      } else for (let k = 0; k < width; k++) s += Math.abs(W[r * width + k]) * feed[k];
      if (!Number.isFinite(s)) throw new ScaleError("the network's pre-activations overflow the double range even at unit scale");
      M[r] = s;
    }
    out.push(M.map((v) => ZERO_ROW_NORM * v));
    const a = layer.activation;
    if (a.kind === "maxout") {
      feed = new Float64Array(layer.outDim / a.rank);
      for (let i = 0; i < feed.length; i++) for (let j = 0; j < a.rank; j++) feed[i] = Math.max(feed[i], M[i * a.rank + j]);
    } else feed = a.kind === "leaky-relu" ? M.map((v) => v * Math.max(1, Math.abs(a.alpha))) : M;
  }
  return out;
}

/** Euclidean norm of row i of a row-major matrix with n columns. */
export function rowNorm(M: Float64Array, i: number, n: number): number {
  let s = 0;
  for (let q = 0; q < n; q++) s += M[i * n + q] * M[i * n + q];
  return Math.sqrt(s);
}
