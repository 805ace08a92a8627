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
  | { kind: "identity" };

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
  }
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
    default:
      return a.kind;
  }
}
