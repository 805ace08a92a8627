/**
 * Assemble a {@link Network} from the operations of a chain-shaped model file (ONNX nodes, TF.js layers):
 * affine stages and activation stages in order. Shared by the ONNX and TF.js parsers. Core-safe.
 *
 * Consecutive affine stages with no activation between them (e.g. MatMul then Add, or two Linear layers) are
 * merged into one dense layer, W = W₂W₁ and b = W₂b₁ + b₂: the function is the same and the network keeps the
 * invariant that every hidden layer has a piecewise-linear activation.
 */
import type { Activation, DenseLayer, Network } from "../model/network.ts";
import { activationName } from "../model/network.ts";
import { ModelError, validateNetwork } from "../model/validate.ts";
import { checkLayerSize } from "./limits.ts";

/** An affine operation y = W x + b, W row-major `[outDim × inDim]`; `source` names it in error messages. */
export interface AffineStage {
  kind: "affine";
  inDim: number;
  outDim: number;
  weights: Float64Array;
  bias: Float64Array;
  source: string;
}

/** An elementwise activation; `source` names it in error messages. */
export interface ActivationStage {
  kind: "activation";
  activation: Activation;
  source: string;
}

export type Stage = AffineStage | ActivationStage;

/** Compose two affine stages: second ∘ first. */
function composeStages(first: AffineStage, second: AffineStage): AffineStage {
  const { inDim } = first;
  const { outDim } = second;
  const mid = first.outDim;
  const weights = new Float64Array(outDim * inDim);
  const bias = Float64Array.from(second.bias);
  for (let r = 0; r < outDim; r++) {
    for (let k = 0; k < mid; k++) {
      const w = second.weights[r * mid + k];
      if (w === 0) continue;
      bias[r] += w * first.bias[k];
      for (let j = 0; j < inDim; j++) weights[r * inDim + j] += w * first.weights[k * inDim + j];
    }
  }
  return { kind: "affine", inDim, outDim, weights, bias, source: second.source };
}

/**
 * Build the network from stages in order. `inputDim` is the declared input width (undefined when the file
 * does not fix it; the first affine stage then decides). `fail` throws the caller's error with a message.
 */
export function assembleChain(stages: readonly Stage[], inputDim: number | undefined, fail: (message: string) => never): Network {
  const layers: DenseLayer[] = [];
  let pending: AffineStage | undefined;
  let width = inputDim;
  let previous = "the model input";
  for (const stage of stages) {
    if (stage.kind === "affine") {
      if (width !== undefined && stage.inDim !== width) {
        fail(`${stage.source} expects ${stage.inDim} inputs but ${previous} gives ${width}`);
      }
      if (pending) checkLayerSize([stage.outDim, pending.inDim], `${stage.source} merged with the affine layer before it`, fail);
      pending = pending ? composeStages(pending, stage) : stage;
      width = stage.outDim;
    } else {
      if (!pending) {
        fail(`${stage.source} (${activationName(stage.activation)}) must follow an affine layer, but it follows ${previous}`);
      }
      layers.push({ inDim: pending.inDim, outDim: pending.outDim, weights: pending.weights, bias: pending.bias, activation: stage.activation });
      pending = undefined;
    }
    previous = stage.source;
  }
  if (!pending) {
    if (layers.length === 0) fail("the model has no affine layer");
    fail(`the last operation must be affine, but the output comes from ${previous}`);
  }
  layers.push({ inDim: pending.inDim, outDim: pending.outDim, weights: pending.weights, bias: pending.bias, activation: { kind: "identity" } });
  const net: Network = { inputDim: layers[0].inDim, layers };
  // Finite weights, consistent widths: every loader's chain ends with the same checks, reported through `fail`.
  try {
    validateNetwork(net);
  } catch (err) {
    if (err instanceof ModelError) fail(err.message);
    throw err;
  }
  return net;
}
