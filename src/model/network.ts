/**
 * The network model: a feed-forward chain of dense (affine) layers, each followed by a piecewise-linear
 * activation. Weights are `Float64Array`, row-major `[outDim × inDim]`. The core never touches Node APIs.
 */

/** Activation applied after a dense layer. The last layer of a {@link Network} is always `identity`. */
export type Activation =
  | { kind: "relu" }
  /** σ(t) = t for t > 0, αt otherwise (PyTorch's LeakyReLU): the same breakpoint as ReLU. */
  | { kind: "leaky-relu"; alpha: number }
  /** Unit i = max of the `rank` consecutive pre-activations rank·i … rank·i + rank − 1. */
  | { kind: "maxout"; rank: number }
  | { kind: "identity" }
  /**
   * One rectifier per unit, each with its own slope: unit i is t for t > 0 and `slope[i]`·t otherwise (0 = ReLU;
   * PReLU with a slope per channel). Units with `passThrough[i] = 1` are the identity instead: no breakpoint, no
   * pattern bit; they carry a value unchanged through the layer (the skip path of a residual block). Pattern bits
   * are the rectifier units in order.
   */
  | { kind: "per-unit"; slope: Float64Array; passThrough: Uint8Array };

/** One dense layer g = W h + b followed by its activation. */
export interface DenseLayer {
  /** Width of the layer's input. */
  inDim: number;
  /** Number of pre-activations (for maxout: units × rank). */
  outDim: number;
  /** Row-major `[outDim × inDim]`. */
  weights: Float64Array;
  /** Length `outDim`. */
  bias: Float64Array;
  activation: Activation;
}

/** A feed-forward piecewise-linear network; `layers[layers.length − 1]` is the affine output layer. */
export interface Network {
  inputDim: number;
  layers: DenseLayer[];
}

/** An axis-aligned box of inputs, `lo[i] ≤ x[i] ≤ hi[i]`. */
export interface Box {
  lo: Float64Array;
  hi: Float64Array;
}

/** Number of hidden units a layer contributes to the activation pattern (0 for identity). */
export function unitsOf(layer: DenseLayer): number {
  switch (layer.activation.kind) {
    case "relu":
    case "leaky-relu":
      return layer.outDim;
    case "maxout":
      return layer.outDim / layer.activation.rank;
    case "identity":
      return 0;
    case "per-unit": {
      let n = 0;
      for (const p of layer.activation.passThrough) n += p ? 0 : 1;
      return n;
    }
  }
}

/** True when some layer has per-unit activations (residual pass-through units or per-unit slopes). */
export function hasPerUnitLayers(net: Network): boolean {
  return net.layers.some((l) => l.activation.kind === "per-unit");
}

/** Width of the layer's output (what the next layer reads). */
export function outputWidthOf(layer: DenseLayer): number {
  return layer.activation.kind === "maxout" ? layer.outDim / layer.activation.rank : layer.outDim;
}

/** The hidden layers: every layer but the affine output layer. */
export function hiddenLayers(net: Network): DenseLayer[] {
  return net.layers.slice(0, -1);
}

/** Total number of hidden units N (pattern length). */
export function hiddenUnitCount(net: Network): number {
  let n = 0;
  for (const layer of hiddenLayers(net)) n += unitsOf(layer);
  return n;
}

/** Output dimension of the network. */
export function outputDim(net: Network): number {
  return outputWidthOf(net.layers[net.layers.length - 1]);
}

/** Number of trainable parameters (weights and biases). */
export function parameterCount(net: Network): number {
  let n = 0;
  for (const layer of net.layers) n += layer.weights.length + layer.bias.length;
  return n;
}

/** Widths of the hidden layers in units, e.g. [10, 12] for 784-10-12-10. */
export function hiddenWidths(net: Network): number[] {
  return hiddenLayers(net).map(unitsOf);
}

/** A box with the same bounds on every coordinate. */
export function uniformBox(dim: number, lo: number, hi: number): Box {
  return { lo: new Float64Array(dim).fill(lo), hi: new Float64Array(dim).fill(hi) };
}

/** Human-readable activation name, e.g. `relu`, `leaky-relu(0.01)`, `maxout(3)`. */
export function activationName(a: Activation): string {
  switch (a.kind) {
    case "leaky-relu":
      return `leaky-relu(${a.alpha})`;
    case "maxout":
      return `maxout(${a.rank})`;
    case "per-unit": {
      const pass = a.passThrough.reduce((s, p) => s + p, 0);
      const slopes = [...new Set(Array.from(a.slope).filter((_, i) => !a.passThrough[i]))];
      const rect = slopes.length === 1 ? (slopes[0] === 0 ? "relu" : `leaky-relu(${slopes[0]})`) : `rectifiers with ${slopes.length} slopes`;
      return pass > 0 ? `${rect} + ${pass} pass-through` : rect;
    }
    default:
      return a.kind;
  }
}
