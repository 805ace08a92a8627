/**
 * Per-unit activations (residual pass-through units, PReLU slopes per channel) for the consumers that work layer by
 * layer with one activation per layer (the counting engine, the MILP, the planar partition): an exact rewrite of the
 * network into ReLU layers that computes the same function on a box and has the same regions in it.
 *
 * A pass-through unit t becomes relu(t + M) − M with M above −(lower bound of t) over the box, so the shifted unit is
 * active on the whole box: its hyperplane t = −M lies outside, it adds no region and its pattern bit is constant 1.
 * A rectifier with slope s ≠ 0 becomes (1 − s)·relu(t) + s·t (t > 0: t; t ≤ 0: s·t), with t carried the same way:
 * the only hyperplane in the box is t = 0, as before. Core-safe.
 */
import type { Box, DenseLayer, Network } from "./network.ts";
import { hasPerUnitLayers, unitsOf } from "./network.ts";
import { ModelError } from "./validate.ts";
import { intervalBounds } from "./interval.ts";

/**
 * How far outside the box the shifted copy's hyperplane is put, relative to the unit's range there: M = −lo + max(1,
 * hi − lo). The copy's pre-activation is then ≥ max(1, hi − lo) on the box, far above any rounding of the bounds
 * (relative error ~1e-16 of the magnitudes involved), so the copy is active everywhere and never splits a region.
 */
const SHIFT_MARGIN_MIN = 1;

/** Refuse a network with per-unit layers in a consumer that does not support them: one line saying what to do. */
export function requireLayerwise(net: Network, what: string): void {
  if (hasPerUnitLayers(net)) {
    throw new ModelError(
      `${what} needs one activation per layer; this network has per-unit activations (residual pass-through units or PReLU slopes per channel): lower it on the input box first (lowerOnBox)`,
    );
  }
}

/** Where the units of the original network sit in the lowered one's pattern. */
export interface LoweredNetwork {
  network: Network;
  /** For each original hidden layer: the number of pattern bits it had, and how many constant bits were appended. */
  layers: { units: number; constantBits: number }[];
}

/**
 * The network rewritten with ReLU layers in place of per-unit layers, equal to it on `box` with the same regions
 * (see the module comment). Networks without per-unit layers are returned as they are. Within each rewritten
 * layer the original units' bits come first, in order, then the constant bits of the shifted copies.
 */
export function lowerOnBox(net: Network, box: Box): LoweredNetwork {
  const layersInfo = net.layers.slice(0, -1).map((l) => ({ units: unitsOf(l), constantBits: 0 }));
  if (!hasPerUnitLayers(net)) return { network: net, layers: layersInfo };
  const bounds = intervalBounds(net, box);
  const out: DenseLayer[] = [];
  // The next layer's weights and bias, rewritten as we go (columns follow the lowered layer's outputs).
  let nextW = net.layers[0].weights, nextB = net.layers[0].bias, nextIn = net.layers[0].inDim;
  for (let l = 0; l < net.layers.length; l++) {
    const layer = net.layers[l];
    const a = layer.activation;
    if (a.kind !== "per-unit") {
      out.push({ ...layer, inDim: nextIn, weights: nextW, bias: nextB });
      if (l + 1 < net.layers.length) {
        nextW = net.layers[l + 1].weights;
        nextB = net.layers[l + 1].bias;
        nextIn = net.layers[l + 1].inDim;
      }
      continue;
    }
    const lo = bounds.lower[l], hi = bounds.upper[l], n = layer.outDim;
    if (lo.some((v) => !Number.isFinite(v)) || hi.some((v) => !Number.isFinite(v))) {
      throw new ModelError(`layer ${l}: its pre-activation bounds over the box are not finite, so its pass-through units cannot be lowered`);
    }
    const rect: number[] = [], copies: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!a.passThrough[i]) rect.push(i);
      if (a.passThrough[i] || a.slope[i] !== 0) copies.push(i);
    }
    const rows = rect.length + copies.length;
    const W = new Float64Array(rows * nextIn), b = new Float64Array(rows);
    const shift = new Float64Array(n);
    rect.forEach((i, r) => {
      W.set(nextW.subarray(i * nextIn, (i + 1) * nextIn), r * nextIn);
      b[r] = nextB[i];
    });
    copies.forEach((i, q) => {
      const r = rect.length + q;
      shift[i] = -lo[i] + Math.max(SHIFT_MARGIN_MIN, hi[i] - lo[i]);
      W.set(nextW.subarray(i * nextIn, (i + 1) * nextIn), r * nextIn);
      b[r] = nextB[i] + shift[i];
    });
    out.push({ inDim: nextIn, outDim: rows, weights: W, bias: b, activation: { kind: "relu" } });
    layersInfo[l].constantBits = copies.length;
    // The next layer reads out_i = (1 − s_i)·relu(t_i) + s_i·(copy_i − M_i), or copy_i − M_i for a pass-through unit.
    const next = net.layers[l + 1];
    const colOfRect = new Int32Array(n).fill(-1), colOfCopy = new Int32Array(n).fill(-1);
    rect.forEach((i, r) => (colOfRect[i] = r));
    copies.forEach((i, q) => (colOfCopy[i] = rect.length + q));
    const W2 = new Float64Array(next.outDim * rows), b2 = Float64Array.from(next.bias);
    for (let r = 0; r < next.outDim; r++) {
      for (let i = 0; i < n; i++) {
        const w = next.weights[r * n + i];
        if (w === 0) continue;
        const s = a.passThrough[i] ? 1 : a.slope[i];
        if (colOfRect[i] >= 0) W2[r * rows + colOfRect[i]] += w * (1 - s);
        if (colOfCopy[i] >= 0) {
          W2[r * rows + colOfCopy[i]] += w * s;
          b2[r] -= w * s * shift[i];
        }
      }
    }
    nextW = W2;
    nextB = b2;
    nextIn = rows;
  }
  return { network: { inputDim: net.inputDim, layers: out }, layers: layersInfo };
}
