import type { DenseLayer, Network } from "./network.ts";
import { hiddenLayers, hiddenUnitCount, outputDim, outputWidthOf, unitsOf } from "./network.ts";
import { ScaleError } from "./normalise.ts";

/**
 * An activation pattern: one entry per hidden unit in layer order. ReLU / leaky ReLU: 1 ⇔ pre-activation > 0.
 * Maxout: the index (0 … rank − 1) of the first maximal piece.
 */
export type ActivationPattern = Uint8Array;

/** An affine map y = J x + c with J row-major `[rows × cols]`. */
export interface AffineMap {
  rows: number;
  cols: number;
  J: Float64Array;
  c: Float64Array;
}

/** Apply a layer's affine part: out = W h + b. `out` has length `layer.outDim`. */
export function applyDense(layer: DenseLayer, h: Float64Array, out: Float64Array): Float64Array {
  const { inDim, outDim, weights, bias } = layer;
  for (let r = 0; r < outDim; r++) {
    let s = bias[r];
    const base = r * inDim;
    for (let k = 0; k < inDim; k++) s += weights[base + k] * h[k];
    out[r] = s;
  }
  return out;
}

/**
 * Apply the activation to pre-activations `g`, writing the layer output and (when `pattern` is given)
 * the unit decisions at `pattern[offset …]`. Returns the number of units written.
 */
export function activate(
  layer: DenseLayer,
  g: Float64Array,
  out: Float64Array,
  pattern?: ActivationPattern,
  offset = 0,
): number {
  const a = layer.activation;
  switch (a.kind) {
    case "relu":
      for (let i = 0; i < layer.outDim; i++) {
        const on = g[i] > 0;
        out[i] = on ? g[i] : 0;
        if (pattern) pattern[offset + i] = on ? 1 : 0;
      }
      return layer.outDim;
    case "leaky-relu":
      for (let i = 0; i < layer.outDim; i++) {
        const on = g[i] > 0;
        out[i] = on ? g[i] : a.alpha * g[i];
        if (pattern) pattern[offset + i] = on ? 1 : 0;
      }
      return layer.outDim;
    case "maxout": {
      const units = layer.outDim / a.rank;
      for (let u = 0; u < units; u++) {
        let best = 0;
        let bestValue = g[u * a.rank];
        for (let j = 1; j < a.rank; j++) {
          if (g[u * a.rank + j] > bestValue) {
            bestValue = g[u * a.rank + j];
            best = j;
          }
        }
        out[u] = bestValue;
        if (pattern) pattern[offset + u] = best;
      }
      return units;
    }
    case "identity":
      out.set(g.subarray(0, layer.outDim));
      return 0;
    case "per-unit": {
      let u = 0;
      for (let i = 0; i < layer.outDim; i++) {
        if (a.passThrough[i]) {
          out[i] = g[i];
          continue;
        }
        const on = g[i] > 0;
        out[i] = on ? g[i] : a.slope[i] * g[i];
        if (pattern) pattern[offset + u] = on ? 1 : 0;
        u++;
      }
      return u;
    }
  }
}

/** The network's output at x. */
export function forward(net: Network, x: ArrayLike<number>): Float64Array {
  return evaluate(net, x).output;
}

/** Output and activation pattern at x, in one pass. */
export function evaluate(net: Network, x: ArrayLike<number>): { output: Float64Array; pattern: ActivationPattern } {
  return pass(net, x, false);
}

/**
 * {@link evaluate}, refusing an answer it cannot stand behind: throws ScaleError when a pre-activation or an output
 * leaves the double range (an overflow prints as Infinity or null, and Infinity − Infinity makes the pattern NaN).
 */
export function evaluateChecked(net: Network, x: ArrayLike<number>): { output: Float64Array; pattern: ActivationPattern } {
  return pass(net, x, true);
}

/** One forward pass; with `check`, every layer's pre-activations must be finite. */
function pass(net: Network, x: ArrayLike<number>, check: boolean): { output: Float64Array; pattern: ActivationPattern } {
  const pattern = new Uint8Array(hiddenUnitCount(net));
  let h = Float64Array.from(x);
  let offset = 0;
  for (let l = 0; l < net.layers.length; l++) {
    const layer = net.layers[l];
    const g = applyDense(layer, h, new Float64Array(layer.outDim));
    if (check) checkFinite(g, l === net.layers.length - 1 ? "output" : `pre-activation of layer ${l}, unit`);
    const out = new Float64Array(outputWidthOf(layer));
    offset += activate(layer, g, out, pattern, offset);
    h = out;
  }
  return { output: h, pattern };
}

function checkFinite(g: Float64Array, what: string): void {
  const bad = g.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ScaleError(`at this input the ${what} ${bad} is ${g[bad]}: the network's values leave the double range`);
}

/** Activation pattern at x. */
export function activationPatternAt(net: Network, x: ArrayLike<number>): ActivationPattern {
  return evaluate(net, x).pattern;
}

/** One character per hidden unit: `0`/`1` for ReLU, the argmax index in base 36 for maxout. */
export function patternToString(pattern: ActivationPattern): string {
  let s = "";
  for (let i = 0; i < pattern.length; i++) s += pattern[i].toString(36);
  return s;
}

/** Inverse of {@link patternToString}. */
export function patternFromString(s: string): ActivationPattern {
  const p = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) p[i] = parseInt(s[i], 36);
  return p;
}

/** Pre-activation g^l of every hidden layer as an affine function of the input, valid on the region of `pattern`. */
export interface RegionForms {
  /** One map per hidden layer, rows = that layer's pre-activations (for maxout, units × rank). */
  preActivations: AffineMap[];
  /** The network output on the region: f(x) = J x + c. */
  output: AffineMap;
}

/**
 * Affine forms on the region of `pattern`: every hidden pre-activation and the output as affine functions of
 * the input. Every x with this pattern satisfies g^l(x) = A^l x + c^l and f(x) = J x + c.
 */
export function regionForms(net: Network, pattern: ActivationPattern): RegionForms {
  const n0 = net.inputDim;
  if (pattern.length !== hiddenUnitCount(net)) {
    throw new RangeError(`pattern has ${pattern.length} entries, the network has ${hiddenUnitCount(net)} hidden units`);
  }
  // Current h^{l-1} = A x + c, starting from the identity.
  let A = new Float64Array(n0 * n0);
  for (let i = 0; i < n0; i++) A[i * n0 + i] = 1;
  let c = new Float64Array(n0);
  let width = n0;
  let offset = 0;
  const preActivations: AffineMap[] = [];
  const hidden = hiddenLayers(net).length;
  for (let l = 0; l < net.layers.length; l++) {
    const layer = net.layers[l];
    const G = new Float64Array(layer.outDim * n0);
    const gc = new Float64Array(layer.outDim);
    composeAffine(layer, A, c, width, n0, G, gc);
    if (l === hidden) return { preActivations, output: { rows: layer.outDim, cols: n0, J: G, c: gc } };
    preActivations.push({ rows: layer.outDim, cols: n0, J: G, c: gc });
    const outW = outputWidthOf(layer);
    const nextA = new Float64Array(outW * n0);
    const nextC = new Float64Array(outW);
    const a = layer.activation;
    for (let i = 0, u = 0; i < outW; i++) {
      let src = i;
      let scale = 1;
      if (a.kind === "relu") scale = pattern[offset + i] ? 1 : 0;
      else if (a.kind === "leaky-relu") scale = pattern[offset + i] ? 1 : a.alpha;
      else if (a.kind === "maxout") src = i * a.rank + pattern[offset + i];
      else if (a.kind === "per-unit" && !a.passThrough[i]) scale = pattern[offset + u++] ? 1 : a.slope[i];
      if (scale !== 0) {
        for (let k = 0; k < n0; k++) nextA[i * n0 + k] = scale * G[src * n0 + k];
        nextC[i] = scale * gc[src];
      }
    }
    offset += unitsOf(layer);
    A = nextA;
    c = nextC;
    width = outW;
  }
  throw new Error("unreachable: a network always ends with its output layer");
}

/** G = W A, gc = W c + b for h = A x + c with A `[width × n0]`. */
export function composeAffine(
  layer: DenseLayer,
  A: Float64Array,
  c: Float64Array,
  width: number,
  n0: number,
  G: Float64Array,
  gc: Float64Array,
): void {
  const { weights: W, bias: b, outDim } = layer;
  G.fill(0, 0, outDim * n0);
  for (let r = 0; r < outDim; r++) {
    let s = b[r];
    const gBase = r * n0;
    for (let k = 0; k < width; k++) {
      const w = W[r * width + k];
      if (w === 0) continue;
      s += w * c[k];
      const aBase = k * n0;
      for (let j = 0; j < n0; j++) G[gBase + j] += w * A[aBase + j];
    }
    gc[r] = s;
  }
}

/** The affine map f(y) = J y + c that the network computes on the region of `pattern`. */
export function affineMapOf(net: Network, pattern: ActivationPattern): AffineMap {
  return regionForms(net, pattern).output;
}

/** Apply an affine map to x. */
export function applyAffine(map: AffineMap, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(map.rows);
  for (let r = 0; r < map.rows; r++) {
    let s = map.c[r];
    for (let k = 0; k < map.cols; k++) s += map.J[r * map.cols + k] * x[k];
    y[r] = s;
  }
  return y;
}

export { outputDim };
