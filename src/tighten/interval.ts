import type { Box, Network } from "../model/network.ts";
import { hiddenLayers } from "../model/network.ts";
import type { StableUnitCounts } from "../bounds/stable-units.ts";

/** Sound lower and upper bounds on every hidden pre-activation over a domain, one pair of arrays per hidden layer. */
export interface PreActivationBounds {
  lower: Float64Array[];
  upper: Float64Array[];
}

/** Apply the activation to an interval, coordinatewise (monotone activations map bounds to bounds). */
export function activateInterval(
  activation: Network["layers"][number]["activation"],
  lo: Float64Array,
  hi: Float64Array,
): { lo: Float64Array; hi: Float64Array } {
  switch (activation.kind) {
    case "relu":
      return { lo: lo.map((v) => Math.max(0, v)), hi: hi.map((v) => Math.max(0, v)) };
    case "leaky-relu": {
      const f = (v: number) => (v > 0 ? v : activation.alpha * v);
      // For α ≥ 0 the map is monotone; for α < 0 it is not, so take the hull of the endpoint images and 0.
      if (activation.alpha >= 0) return { lo: lo.map(f), hi: hi.map(f) };
      const outLo = new Float64Array(lo.length), outHi = new Float64Array(lo.length);
      for (let i = 0; i < lo.length; i++) {
        const a = f(lo[i]), b = f(hi[i]);
        const zeroInside = lo[i] <= 0 && hi[i] >= 0;
        outLo[i] = Math.min(a, b, zeroInside ? 0 : Infinity);
        outHi[i] = Math.max(a, b, zeroInside ? 0 : -Infinity);
      }
      return { lo: outLo, hi: outHi };
    }
    case "maxout": {
      const k = activation.rank, units = lo.length / k;
      const outLo = new Float64Array(units), outHi = new Float64Array(units);
      for (let u = 0; u < units; u++) {
        let a = -Infinity, b = -Infinity;
        for (let j = 0; j < k; j++) {
          a = Math.max(a, lo[u * k + j]);
          b = Math.max(b, hi[u * k + j]);
        }
        outLo[u] = a;
        outHi[u] = b;
      }
      return { lo: outLo, hi: outHi };
    }
    case "identity":
      return { lo: Float64Array.from(lo), hi: Float64Array.from(hi) };
    case "per-unit": {
      const outLo = new Float64Array(lo.length), outHi = new Float64Array(lo.length);
      for (let i = 0; i < lo.length; i++) {
        if (activation.passThrough[i]) {
          outLo[i] = lo[i];
          outHi[i] = hi[i];
          continue;
        }
        const s = activation.slope[i];
        const f = (v: number) => (v > 0 ? v : s * v);
        // Monotone for s ≥ 0; otherwise the hull of the endpoint images and 0 (as for leaky-relu above).
        const a = f(lo[i]), b = f(hi[i]), zeroInside = lo[i] <= 0 && hi[i] >= 0;
        outLo[i] = Math.min(a, b, zeroInside ? 0 : Infinity);
        outHi[i] = Math.max(a, b, zeroInside ? 0 : -Infinity);
      }
      return { lo: outLo, hi: outHi };
    }
  }
}

/** One step of interval arithmetic: bounds of W h + b (W row-major `[outDim × inDim]`) for h in [lo, hi]. */
export function affineInterval(
  W: Float64Array,
  b: Float64Array,
  inDim: number,
  outDim: number,
  lo: Float64Array,
  hi: Float64Array,
): { lo: Float64Array; hi: Float64Array } {
  const outLo = new Float64Array(outDim), outHi = new Float64Array(outDim);
  for (let r = 0; r < outDim; r++) {
    let a = b[r], c = b[r];
    for (let k = 0; k < inDim; k++) {
      const w = W[r * inDim + k];
      if (w >= 0) {
        a += w * lo[k];
        c += w * hi[k];
      } else {
        a += w * hi[k];
        c += w * lo[k];
      }
    }
    outLo[r] = a;
    outHi[r] = c;
  }
  return { lo: outLo, hi: outHi };
}

/**
 * Interval bound propagation: bounds on each hidden pre-activation over the box (exact for the first layer,
 * sound and looser for deeper ones).
 */
export function intervalBounds(net: Network, box: Box): PreActivationBounds {
  let lo: Float64Array = Float64Array.from(box.lo), hi: Float64Array = Float64Array.from(box.hi);
  const lower: Float64Array[] = [], upper: Float64Array[] = [];
  for (const layer of hiddenLayers(net)) {
    const { lo: gLo, hi: gHi } = affineInterval(layer.weights, layer.bias, layer.inDim, layer.outDim, lo, hi);
    lower.push(gLo);
    upper.push(gHi);
    const next = activateInterval(layer.activation, gLo, gHi);
    lo = next.lo;
    hi = next.hi;
  }
  return { lower, upper };
}

/**
 * Stability of a ReLU / leaky-ReLU unit from its pre-activation bounds: −1 off on every full-dimensional region
 * (upper ≤ 0; g ≡ 0 included, as `evaluate` gives bit 0), +1 on (lower ≥ 0: g = 0 only on a null set), 0 unstable.
 */
export function reluStability(lower: number, upper: number): -1 | 0 | 1 {
  return upper <= 0 ? -1 : lower >= 0 ? 1 : 0;
}

/**
 * Stable units per hidden layer from pre-activation bounds: a ReLU / leaky-ReLU unit with upper bound ≤ 0 is off on
 * every full-dimensional region (g ≡ 0 included, as `evaluate` gives bit 0), one with lower bound ≥ 0 is on (g = 0
 * only on a null set); a maxout unit is stable (counted as active) when one piece dominates every other over the domain.
 */
export function stableUnitsFromBounds(net: Network, bounds: PreActivationBounds): StableUnitCounts {
  const active: number[] = [], inactive: number[] = [];
  hiddenLayers(net).forEach((layer, l) => {
    let a = 0, i = 0;
    const lo = bounds.lower[l], hi = bounds.upper[l];
    if (layer.activation.kind === "maxout") {
      const k = layer.activation.rank;
      for (let u = 0; u < layer.outDim / k; u++) {
        for (let j = 0; j < k; j++) {
          let dominates = true;
          for (let m = 0; m < k && dominates; m++) if (m !== j && lo[u * k + j] < hi[u * k + m]) dominates = false;
          if (dominates) {
            a++;
            break;
          }
        }
      }
    } else if (layer.activation.kind !== "identity") {
      const pass = layer.activation.kind === "per-unit" ? layer.activation.passThrough : undefined;
      for (let r = 0; r < layer.outDim; r++) {
        if (pass?.[r]) continue;
        const f = reluStability(lo[r], hi[r]);
        if (f < 0) i++;
        else if (f > 0) a++;
      }
    }
    active.push(a);
    inactive.push(i);
  });
  return { active, inactive };
}
