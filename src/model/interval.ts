/**
 * Interval arithmetic over a box: sound bounds on every hidden pre-activation, layer by layer (interval bound
 * propagation). Part of the model room because rewriting a network on a box (lower.ts) and bringing it to unit scale
 * (normalise.ts) need it; tighten/ builds its LP tightening and stable-unit counts on top.
 */
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers } from "../model/network.ts";

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
