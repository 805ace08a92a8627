/**
 * Interval tightening: the pre-activation bounds of interval arithmetic (src/model/interval.ts, re-exported here with
 * the other tightenings) and the stable units that bounds of any tightening give.
 */
import type { Network } from "../model/network.ts";
import { hiddenLayers } from "../model/network.ts";
import type { PreActivationBounds } from "../model/interval.ts";

export { activateInterval, affineInterval, intervalBounds, type PreActivationBounds } from "../model/interval.ts";

/** Per hidden layer: numbers of units stably active (a_l) and stably inactive (i_l) over a domain. */
export interface StableUnitCounts {
  active: readonly number[];
  inactive: readonly number[];
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
