import type { Network } from "./network.ts";
import { outputWidthOf } from "./network.ts";
import { oneLineText } from "../util/one-line.ts";

/**
 * A problem with a model: the message is one line (control characters from names in the file are escaped), and
 * names the problem (loaders prefix the file).
 */
export class ModelError extends Error {
  override name = "ModelError";
  constructor(message: string) {
    super(oneLineText(message));
  }
}

/**
 * Check a network's structure: positive dimensions, consistent widths between consecutive layers, finite
 * weights and biases, valid activation parameters, an affine last layer. Throws {@link ModelError}.
 */
export function validateNetwork(net: Network): void {
  if (!Number.isInteger(net.inputDim) || net.inputDim <= 0) {
    throw new ModelError(`input dimension must be a positive integer, got ${net.inputDim}`);
  }
  if (net.layers.length === 0) throw new ModelError("the network has no layers");
  let width = net.inputDim;
  net.layers.forEach((layer, l) => {
    const where = `layer ${l}`;
    if (!Number.isInteger(layer.outDim) || layer.outDim <= 0) {
      throw new ModelError(`${where}: output width must be a positive integer, got ${layer.outDim}`);
    }
    if (layer.inDim !== width) {
      throw new ModelError(`${where}: expects ${layer.inDim} inputs but the previous layer gives ${width}`);
    }
    if (layer.weights.length !== layer.outDim * layer.inDim) {
      throw new ModelError(
        `${where}: weight matrix has ${layer.weights.length} entries, expected ${layer.outDim}×${layer.inDim}`,
      );
    }
    if (layer.bias.length !== layer.outDim) {
      throw new ModelError(`${where}: bias has ${layer.bias.length} entries, expected ${layer.outDim}`);
    }
    for (let i = 0; i < layer.weights.length; i++) {
      if (!Number.isFinite(layer.weights[i])) {
        const r = Math.floor(i / layer.inDim), c = i % layer.inDim;
        throw new ModelError(`${where}: weight [${r}, ${c}] is ${layer.weights[i]} (weights must be finite)`);
      }
    }
    for (let i = 0; i < layer.bias.length; i++) {
      if (!Number.isFinite(layer.bias[i])) {
        throw new ModelError(`${where}: bias [${i}] is ${layer.bias[i]} (biases must be finite)`);
      }
    }
    const a = layer.activation;
    if (a.kind === "leaky-relu" && !Number.isFinite(a.alpha)) {
      throw new ModelError(`${where}: leaky-relu alpha must be finite, got ${a.alpha}`);
    }
    if (a.kind === "per-unit") {
      if (a.slope.length !== layer.outDim || a.passThrough.length !== layer.outDim) {
        throw new ModelError(`${where}: per-unit activation has ${a.slope.length} slopes and ${a.passThrough.length} pass-through flags for ${layer.outDim} units`);
      }
      for (let i = 0; i < a.slope.length; i++) {
        if (!Number.isFinite(a.slope[i])) throw new ModelError(`${where}: unit ${i} has slope ${a.slope[i]} (slopes must be finite)`);
      }
    }
    if (a.kind === "maxout") {
      if (!Number.isInteger(a.rank) || a.rank < 2) {
        throw new ModelError(`${where}: maxout rank must be an integer ≥ 2, got ${a.rank}`);
      }
      if (layer.outDim % a.rank !== 0) {
        throw new ModelError(`${where}: maxout rank ${a.rank} does not divide the ${layer.outDim} pre-activations`);
      }
    }
    width = outputWidthOf(layer);
  });
  const last = net.layers[net.layers.length - 1];
  if (last.activation.kind !== "identity") {
    throw new ModelError(`the last layer must be affine (identity activation), got ${last.activation.kind}`);
  }
}
